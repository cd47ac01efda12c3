"""Navigation by role: each domain adds its entries; the layout shows those the user may use."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, url_for


@dataclass(frozen=True)
class NavEntry:
    """A link of the main navigation; `position` orders the links, whichever package registers them."""

    label: str
    endpoint: str
    allowed: Callable = lambda user: True
    badge: Callable | None = None
    position: int = 50


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    badge: int | None = None


def register(app: Flask, entry: NavEntry) -> None:
    """Add an entry to the main navigation."""
    app.extensions.setdefault("nav_entries", []).append(entry)


def init_app(app: Flask) -> None:
    """Expose nav_items(user) to templates."""

    @app.context_processor
    def navigation():
        def nav_items(user):
            entries = sorted(app.extensions.get("nav_entries", []), key=lambda entry: entry.position)
            return [
                NavItem(entry.label, url_for(entry.endpoint), entry.badge(user) if entry.badge else None)
                for entry in entries
                if entry.allowed(user)
            ]

        return {"nav_items": nav_items}
