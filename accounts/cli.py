"""`flask --app wsgi users create …`, `users import FILE` and `flask --app wsgi tokens create …`."""

import click
from flask.cli import AppGroup

from accounts import roster, services
from accounts.models import ROLES
from core import transaction
from core.errors import ApiError

users_cli = AppGroup("users", help="Manage users.")
tokens_cli = AppGroup("tokens", help="Manage personal access tokens.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(ROLES), default="staff", show_default=True)
@click.option("--department", default="General", show_default=True, help="Created if new.")
def create_user(email: str, name: str, password: str, role: str, department: str) -> None:
    """Create a user; fails if the e-mail exists."""
    try:
        user = services.create_user(email, name, password, role, department)
    except ApiError as error:
        transaction.discard()
        raise click.ClickException(_describe(error)) from error
    transaction.end_unit()
    click.echo(f"Created user {user.id} <{user.email}> ({user.role}, {user.department.name}).", err=True)


@users_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--dry-run", is_flag=True, help="Say what would change; store nothing.")
@click.option("--deactivate-missing", is_flag=True, help="Deactivate active accounts not in the file (not admins).")
def import_users(file, dry_run: bool, deactivate_missing: bool) -> None:
    """Create and update accounts from a CSV file (columns email, name, department, role, active); running it
    again with the same file changes nothing. A file with any bad line stores nothing."""
    people, problems = roster.read(file)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(problems)} problem(s) in {file.name}; nothing was imported.")
    report = services.import_people(people, deactivate_missing)
    if dry_run:
        transaction.discard()
    else:
        transaction.end_unit()
    for line in report.details(dry_run):
        click.echo(line)
    click.echo(("Dry run, nothing stored: " if dry_run else "Imported: ") + report.summary() + ".")


@tokens_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", default="cli", show_default=True)
@click.option(
    "--days", type=click.IntRange(1, 3650), default=None, help="Expire after this many days (default: never)."
)
@click.option("--read-only", is_flag=True, help="The token may only read (GET).")
def create_token(email: str, name: str, days: int | None, read_only: bool) -> None:
    """Print one new personal access token on stdout, nothing else."""
    user = services.find_user(email)
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}.")
    token = services.create_token(user, name, days=days, read_only=read_only)
    transaction.end_unit()
    click.echo(token)


def _describe(error: ApiError) -> str:
    if not error.fields:
        return error.message
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.fields.items())
