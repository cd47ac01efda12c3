"""Moderation: flags, hide/lock, merge/unmerge, thread moves, duplicate suggestions, audit log pages."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the moderation blueprints and OpenAPI paths."""
    from core import nav, openapi, periodic
    from moderation import api, api_spec, cli, labels, models, views  # noqa: F401 - models register the tables

    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.flags_bp)
    app.jinja_env.globals["flag_reasons"] = models.FLAG_REASON_LABELS
    app.extensions["duplicate_threshold"] = labels.threshold  # posting stops at close matches (ideas.posting)
    nav.register(app, nav.NavEntry("Moderation", "moderation.index", lambda user: user.is_moderator, position=50))
    openapi.register(app, api_spec.PATHS, api_spec.SCHEMAS)
    app.cli.add_command(cli.duplicates_cli)
    periodic.register(app, "jobs.moderation.calibrate_duplicates", labels.WEEKLY)
