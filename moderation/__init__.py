"""Moderation: flags, hide/lock, merge/unmerge, thread moves, duplicate suggestions, audit log pages."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the moderation blueprints and OpenAPI paths."""
    from core import openapi
    from moderation import api, api_spec, models  # noqa: F401 - models register the tables

    app.register_blueprint(api.bp)
    openapi.register(app, api_spec.PATHS, api_spec.SCHEMAS)
