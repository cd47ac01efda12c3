"""E-mail: message building, SMTP delivery through SMTP_URL, and signed unsubscribe links.

Without SMTP_URL, messages are written to the log instead (the embedded default).
"""

import logging
import secrets
import smtplib
from contextlib import contextmanager
from dataclasses import dataclass
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, formatdate
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer

from core.sanitize import one_line

log = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 20


class RefusedForNow(Exception):
    """Some messages were refused for now (4xx): the job raises this to be retried with back-off."""


@dataclass(frozen=True)
class Mail:
    """One message to one person."""

    to_address: str
    to_name: str
    subject: str
    text: str
    html: str
    unsubscribe_url: str
    message_id: str


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="ideapool-unsubscribe")


def unsubscribe_token(user_id: int) -> str:
    """A signed token that lets its holder stop e-mail to that user, without signing in."""
    return _serializer().dumps({"user": user_id})


def user_id_from_token(token: str) -> int | None:
    """The user an unsubscribe token is for, or None when it is forged or damaged."""
    try:
        return int(_serializer().loads(token)["user"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def unsubscribe_url(user_id: int) -> str:
    """The absolute unsubscribe link for a user."""
    return f"{current_app.config['BASE_URL']}/unsubscribe/{unsubscribe_token(user_id)}"


def message_domain() -> str:
    """The domain part of our Message-IDs."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "ideapool.local"


def compose(to_address: str, to_name: str, subject: str, template: str, message_key: str, **context) -> Mail:
    """Render a message's plain text and HTML from templates/email/<template>.{txt,html}.

    `message_key` makes the Message-ID stable: a message sent again after a crash is recognisably the same.
    """
    unsubscribe = unsubscribe_url(context["user_id"])
    context = {**context, "unsubscribe_url": unsubscribe, "base_url": current_app.config["BASE_URL"], "name": to_name}
    return Mail(
        to_address=to_address,
        to_name=one_line(to_name),
        subject=one_line(subject),
        text=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context),
        unsubscribe_url=unsubscribe,
        message_id=f"<{message_key}@{message_domain()}>",
    )


def _header(value: str) -> str:
    """A header value as given; one that would start another header is refused (the message is a dead letter)."""
    if "\r" in value or "\n" in value:
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    return value


def _encoded(value: str):
    return value if value.isascii() else Header(value, "utf-8")


class _QuickFolding(type(compat32)):
    """compat32, but a header that fits on its line as it is (ASCII, at most 78 characters) is written
    without going through email.header.Header: that machinery was most of the time it takes to turn
    a message into bytes, and its result is the same for such a header."""

    def _fold(self, name, value, sanitize):
        line = f"{name}: {value}"
        if isinstance(value, str) and value.isascii() and len(line) <= 78:
            return line + self.linesep
        return super()._fold(name, value, sanitize)


_POLICY = _QuickFolding()


def to_email_message(mail: Mail) -> MIMEMultipart:
    """The MIME message: plain text with an HTML alternative, and one-click unsubscribe headers (RFC 8058).

    Built with the classic MIME classes, which take a fraction of the time of EmailMessage's header
    parsing: at 10,000 messages a fan-out, building them was most of the sending time. The boundary is
    set here, so that the generator need not search the parts for it (their base64 text cannot hold
    a "-", which the boundary has).
    """
    message = MIMEMultipart("alternative", boundary=f"=-ideapool-{secrets.token_hex(12)}", policy=_POLICY)
    message["From"] = _header(current_app.config["MAIL_FROM"])
    message["To"] = _header(formataddr((mail.to_name, mail.to_address), charset="utf-8"))
    message["Subject"] = _encoded(_header(mail.subject))
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = _header(mail.message_id)
    message["List-Unsubscribe"] = _header(f"<{mail.unsubscribe_url}>")
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.attach(MIMEText(mail.text, "plain", "utf-8", policy=_POLICY))
    message.attach(MIMEText(mail.html, "html", "utf-8", policy=_POLICY))
    return message


def refused_for_now(error: Exception) -> bool:
    """True when the SMTP server refused this one message for now (a 4xx answer): try it again later.

    Any other refusal of one message (a 5xx answer, or a message that cannot be built) is for good.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and 400 <= error.smtp_code < 500


def server_unavailable(error: Exception) -> bool:
    """True when the error is about the SMTP server, not one message: stop and retry the whole job."""
    return isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError) or (
        isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)
    )


def _connect(url: str) -> smtplib.SMTP:
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 25)
    connection_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    connection = connection_class(parts.hostname, port, timeout=SMTP_TIMEOUT_SECONDS)
    if parts.scheme == "smtp+starttls":
        connection.starttls()
    if parts.username:
        connection.login(unquote(parts.username), unquote(parts.password or ""))
    return connection


def _log_unsent(mail: Mail) -> None:
    """Without SMTP_URL: one line per message in the log, and its text at DEBUG level."""
    log.info("E-mail not sent (no SMTP_URL set) to %s: %s", mail.to_address, mail.subject)
    log.debug("Text of the e-mail to %s:\n%s", mail.to_address, mail.text)


@contextmanager
def smtp_session():
    """A function that sends one Mail; one SMTP connection for many messages. Raises if the server is down."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        yield _log_unsent
        return
    connection = _connect(url)
    try:
        yield lambda mail: connection.send_message(to_email_message(mail))
    finally:
        try:
            connection.quit()
        except smtplib.SMTPException:
            connection.close()
