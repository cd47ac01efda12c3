"""`flask --app wsgi digest` (run daily from cron) and `flask --app wsgi mail send-pending`."""

import click
from flask.cli import AppGroup, with_appcontext

from core import transaction
from core.database import writing
from notifications import delivery

mail_cli = AppGroup("mail", help="E-mail delivery.")


@click.command("digest")
@with_appcontext
def digest_command() -> None:
    """Send each user's daily digest of the notifications they chose to get that way."""
    with writing():
        count = delivery.send_digests()
        transaction.end_unit()
    click.echo(f"Sent {count} digest{'s' if count != 1 else ''}.")


@mail_cli.command("send-pending")
def send_pending() -> None:
    """Send every immediate e-mail still pending (after the SMTP server was down for long)."""
    with writing():
        count = delivery.send_pending_emails(None)
        transaction.end_unit()
    click.echo(f"Sent {count} e-mail{'s' if count != 1 else ''}.")
