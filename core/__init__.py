"""Ideapool's core: app factory, configuration, extensions, jobs, sanitising. Imports no domain package."""

from core.app import create_app

__all__ = ["create_app"]
