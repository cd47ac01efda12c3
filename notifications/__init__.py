"""Notifications: see STYLE.md for what belongs here."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to register yet."""
