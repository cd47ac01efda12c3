"""Notifications: in-app notifications, e-mail, digests, webhooks."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the notification blueprints, CLI, navigation and OpenAPI paths."""

    from core import nav, openapi
    from notifications import admin_views, api, api_spec, cli, models, services, views  # noqa: F401 - models

    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(admin_views.dead_letters_bp)
    app.cli.add_command(cli.digest_command)
    app.cli.add_command(cli.mail_cli)
    openapi.register(app, api_spec.PATHS, api_spec.SCHEMAS)
    nav.register(app, nav.NavEntry("Webhooks", "webhooks_admin.index", lambda user: user.is_admin, position=80))
    nav.register(
        app, nav.NavEntry("Dead letters", "dead_letters.dead_letters_index", lambda user: user.is_admin, position=81)
    )
    nav.register(
        app,
        nav.NavEntry(
            "Notifications", "notifications.index", badge=lambda user: services.unread_count(user.id), position=60
        ),
    )
