"""Accounts: users, departments, roles, login, tokens and permission checks."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the accounts blueprints, CLI, OpenAPI paths and demo data."""
    from accounts import admin_views, api, auth, cli, demo, sso, views
    from core import nav, openapi
    from core.demo import register_seeder

    auth.init_app(app)
    sso.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(admin_views.bp)
    nav.register(
        app, nav.NavEntry("Users", "users_admin.index", lambda user: user.is_admin, position=70, group="Admin")
    )
    app.cli.add_command(cli.users_cli)
    app.cli.add_command(cli.tokens_cli)
    openapi.register(app, api.PATHS, api.SCHEMAS)
    register_seeder(app, demo.seed)
