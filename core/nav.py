"""Navigation by role: each domain adds its entries; the layout shows those the user may use."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, url_for


@dataclass(frozen=True)
class NavEntry:
    """A link of the main navigation; `position` orders the links, whichever package registers them.

    Links with the same `group` (e.g. "Admin") are shown together behind one button, where the first of them sits.
    """

    label: str
    endpoint: str
    allowed: Callable = lambda user: True
    badge: Callable | None = None
    position: int = 50
    group: str | None = None


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    badge: int | None = None
    group: str | None = None


@dataclass(frozen=True)
class NavGroup:
    """Links shown together behind one button."""

    label: str
    items: list[NavItem]


def grouped(items: list[NavItem]) -> list[NavItem | NavGroup]:
    """The items in order, those of one group gathered into a NavGroup where the group's first item was."""
    menu: list[NavItem | NavGroup] = []
    groups: dict[str, NavGroup] = {}
    for item in items:
        if item.group is None:
            menu.append(item)
        elif item.group in groups:
            groups[item.group].items.append(item)
        else:
            groups[item.group] = NavGroup(item.group, [item])
            menu.append(groups[item.group])
    return menu


def register(app: Flask, entry: NavEntry) -> None:
    """Add an entry to the main navigation."""
    app.extensions.setdefault("nav_entries", []).append(entry)


def init_app(app: Flask) -> None:
    """Expose nav_items(user) and nav_menu(user) (the same items, grouped) to templates."""

    @app.context_processor
    def navigation():
        def nav_items(user):
            entries = sorted(app.extensions.get("nav_entries", []), key=lambda entry: entry.position)
            return [
                NavItem(entry.label, url_for(entry.endpoint), entry.badge(user) if entry.badge else None, entry.group)
                for entry in entries
                if entry.allowed(user)
            ]

        return {"nav_items": nav_items, "nav_menu": lambda user: grouped(nav_items(user))}
