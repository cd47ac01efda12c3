"""Ideas: ideas, votes, comments, follows, campaigns, responses, similarity."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the ideas blueprints, OpenAPI paths and demo data."""
    from ideas import models, views  # noqa: F401 - models register the tables

    app.register_blueprint(views.bp)
