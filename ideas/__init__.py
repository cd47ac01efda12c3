"""Ideas: ideas, votes, comments, follows, campaigns, responses, similarity."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the ideas blueprints, OpenAPI paths and demo data."""
    from core import openapi
    from ideas import api, api_spec, models, views  # noqa: F401 - models register the tables

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    openapi.register(app, api_spec.PATHS, api_spec.SCHEMAS)
