"""`flask --app wsgi duplicates calibrate`: re-calibrate the duplicate queue's threshold on the moderators' verdicts."""

import click
from flask.cli import AppGroup

from core import transaction
from core.database import writing
from moderation import labels

duplicates_cli = AppGroup("duplicates", help="The moderators' duplicate queue.")


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@duplicates_cli.command("calibrate")
def calibrate() -> None:
    """Re-calibrate now (the workers also do it weekly); prints the figures before and after."""
    with writing():
        run = labels.calibrate()
        transaction.end_unit()
    click.echo(f"{run.labels} verdicts ({run.duplicates} merges, {run.labels - run.duplicates} dismissals).")
    for name in ("before", "after"):
        figure = run.figures[name]
        click.echo(
            f"{name:>6}: threshold {figure['threshold']:.3f}, {figure['flagged']} pairs on the queue, "
            f"precision {_share(figure['precision'])}, recall {_share(figure['recall'])}"
        )
    click.echo(("Applied: " if run.applied else "Not applied: ") + run.reason + ".")
