"""Ideas: ideas, votes, comments, follows, campaigns, responses, similarity."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the ideas blueprints, OpenAPI paths and demo data."""
    from ideas import views

    app.register_blueprint(views.bp)
