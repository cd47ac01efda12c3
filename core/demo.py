"""`flask --app wsgi seed-demo`: each domain adds its part of the demo organisation, in order."""

import logging
from contextlib import contextmanager

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from core import transaction
from core.extensions import db


def register_seeder(app: Flask, seeder) -> None:
    """Add a function that seeds one domain's demo data (idempotent, flushes, never commits)."""
    app.extensions.setdefault("demo_seeders", []).append(seeder)


@click.command("seed-demo")
@click.option("--first-start", is_flag=True, help="Seed only if the database holds no user yet.")
@with_appcontext
def seed_demo_command(first_start: bool) -> None:
    """Load the demo organisation (idempotent)."""
    if first_start and db.session.execute(text("SELECT 1 FROM users LIMIT 1")).first() is not None:
        click.echo("Database already holds users; demo not seeded.")
        return
    with _only_warnings_logged():
        for seeder in current_app.extensions.get("demo_seeders", []):
            seeder()
        transaction.end_unit()
    click.echo("Demo organisation ready. Sign-ins are listed in README.md.")


@contextmanager
def _only_warnings_logged():
    """The demo's hundreds of notifications and e-mails stay out of the log; warnings and errors still show."""
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
