"""Notifications: in-app notifications, e-mail, digests, webhooks."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the notification blueprints, CLI, navigation and OpenAPI paths."""

    from core import metrics, nav, openapi
    from notifications import admin_views, api, api_spec, cli, models, services, views  # noqa: F401 - models

    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(admin_views.dead_letters_bp)
    app.cli.add_command(cli.digest_command)
    app.cli.add_command(cli.mail_cli)
    openapi.register(app, api_spec.PATHS, api_spec.SCHEMAS)
    # /metrics: the deliveries in hand and the dead letters (cheap: an index range), and apart from them the
    # totals done (index-only over all history: ~0.2 s a million notifications), so a slow total hides no dead letter.
    metrics.register_counts(
        app,
        "ideapool_deliveries",
        "E-mails and webhook deliveries waiting or failed, by state; the failed ones are the dead letters.",
        ("channel", "state"),
        "SELECT 'email', email_state, count(*) FROM notifications WHERE email_state IN ('pending', 'digest', 'failed')"
        " GROUP BY email_state UNION ALL SELECT 'webhook', state, count(*) FROM webhook_deliveries"
        " WHERE state IN ('pending', 'failed') GROUP BY state",
    )
    metrics.register_counts(
        app,
        "ideapool_deliveries_done",
        "E-mails sent (alone or in a digest) and webhook deliveries made, ever.",
        ("channel", "state"),
        "SELECT 'email', email_state, count(*) FROM notifications WHERE email_state IN ('sent', 'digested')"
        " GROUP BY email_state UNION ALL SELECT 'webhook', state, count(*) FROM webhook_deliveries"
        " WHERE state = 'delivered' GROUP BY state",
    )
    nav.register(
        app, nav.NavEntry("Webhooks", "webhooks_admin.index", lambda user: user.is_admin, position=80, group="Admin")
    )
    nav.register(
        app,
        nav.NavEntry(
            "Dead letters", "dead_letters.dead_letters_index", lambda user: user.is_admin, position=81, group="Admin"
        ),
    )
    nav.register(
        app,
        nav.NavEntry(
            "Notifications", "notifications.index", badge=lambda user: services.unread_count(user.id), position=60
        ),
    )
