"""Notifications: in-app notifications, e-mail, digests, webhooks."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the notification models (more to come: blueprints, navigation)."""
    from notifications import models  # noqa: F401 - registers the tables
