"""Ideas: ideas, votes, comments, follows, campaigns to post into, similarity; who hears of their events."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the ideas blueprints, OpenAPI paths and demo data."""
    from flask_login import current_user

    from core import health, nav, openapi, periodic
    from core.demo import register_seeder
    from ideas import api, api_spec, cli, demo, models, similarity, views, visibility  # noqa: F401 - models

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    openapi.register(app, api_spec.PATHS, api_spec.SCHEMAS)
    nav.register(app, nav.NavEntry("Post an idea", "ideas.new_idea", position=10))
    nav.register(app, nav.NavEntry("Campaigns", "ideas.campaigns", position=20))
    register_seeder(app, demo.seed)
    health.add_detail(app, "similarity", similarity.status)
    app.cli.add_command(cli.similarity_cli)
    periodic.register(app, "jobs.moderation.maintain_similarity", similarity.MAINTENANCE_EVERY)

    app.add_template_filter(models.status_label, "status_label")
    app.add_template_global(models.STATUS_LABELS, "STATUS_LABELS")

    @app.context_processor
    def author_visibility():
        return {"show_author": lambda idea: visibility.may_see_author(current_user, idea)}
