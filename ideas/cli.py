"""`flask --app wsgi similarity embed-missing | snapshot`: embed what has no embedding; write the index snapshot."""

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


@similarity_cli.command("snapshot")
def snapshot() -> None:
    """Write the index to the snapshot file that new processes map instead of loading from the database."""
    from ideas.similarity import engine

    replica = engine.current()
    written = replica.write_snapshot()
    where = engine.snapshot.path_for(replica.key)
    click.echo(f"Snapshot already current: {where}" if written is None else f"Wrote {written} bytes to {where}")
