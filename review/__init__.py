"""The executive side: the review queue, official responses, campaigns and analytics."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the executive pages and API, their OpenAPI paths, navigation and demo answers."""
    from core import nav, openapi
    from core.demo import register_seeder
    from ideas.models import RESPONSE_STATUSES
    from review import api, api_spec, demo, views
    from review.forms import ResponseForm

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    openapi.register(app, api_spec.PATHS, api_spec.SCHEMAS)
    nav.register(app, nav.NavEntry("Review", "review.index", lambda user: user.is_executive, position=30))
    nav.register(app, nav.NavEntry("Analytics", "review.analytics", lambda user: user.is_executive, position=40))
    register_seeder(app, demo.seed)

    @app.context_processor
    def response_form():
        """The idea page's response form (templates/review/_respond_form.html), set to the idea's status."""
        return {
            "response_form": lambda idea: ResponseForm(status=idea.status if idea.status in RESPONSE_STATUSES else None)
        }
