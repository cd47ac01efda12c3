"""`flask --app wsgi similarity embed-missing`: embed the ideas that have no sentence embedding yet."""

import click
from flask.cli import AppGroup

from core.database import writing
from ideas import similarity

similarity_cli = AppGroup("similarity", help="The similarity engine.")


@similarity_cli.command("embed-missing")
def embed_missing() -> None:
    """Embed every listed idea without an embedding of the current model (after an upgrade or a model change)."""
    state = similarity.status()
    if state["semantic"] != "ok":
        raise click.ClickException(f"The semantic channel is off: {state['reason']}")
    with writing():
        count = similarity.embed_missing()
    click.echo(f"Embedded {count} idea{'s' if count != 1 else ''}.")
