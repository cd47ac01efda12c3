"""Real servers on 127.0.0.1 for the notification tests: SMTP (aiosmtpd) and a webhook receiver (http.server)."""

import asyncio
import json
import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpInbox:
    """A real SMTP server on a fixed free port that keeps every message it accepts; stop() takes it down."""

    def __init__(self):
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.messages: list[EmailMessage] = []
        self.refusing = False  # True: answer every message with a temporary failure (451)
        self.delay = 0.0  # seconds each message takes to be accepted (a slow server)
        self.refused: dict[str, str] = {}  # recipient address -> the answer to RCPT TO, e.g. "550 No such user"
        self.connections: set[tuple] = set()  # the client ends (address, port) that delivered a message
        self._controller: Controller | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook name
        """Accept a recipient, unless `refused` says how to refuse it."""
        if address in self.refused:
            return self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        """Keep the message as the receiving side sees it (or refuse it while `refusing`)."""
        if self.refusing:
            return "451 Try again later"
        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        self.connections.add(session.peer)
        return "250 Message accepted"

    def start(self) -> "SmtpInbox":
        """Listen (again) on the inbox's port."""
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Take the server down: connecting to its port is refused until start()."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        """The messages received for one address."""
        return [message for message in self.messages if message["X-Envelope-To"] == address]

    def recipients(self) -> list[str]:
        """One entry per message received, its recipient (duplicates show double sends)."""
        return sorted(message["X-Envelope-To"] for message in self.messages)


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of a multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, message.get_content_type()
    return text.get_content(), html.get_content()


@dataclass
class Received:
    """One request the webhook receiver got."""

    path: str
    headers: dict
    body: bytes

    def json(self) -> dict:
        """The body, parsed."""
        return json.loads(self.body)


class WebhookReceiver:
    """An HTTP server that records each POST and answers with the next scripted status (200 when none is left)."""

    def __init__(self):
        self.requests: list[Received] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append(Received(self.path, dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "WebhookReceiver":
        """Serve in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[str]:
        """The X-Ideapool-Event of each request, in order."""
        return [request.headers["X-Ideapool-Event"] for request in self.requests]
