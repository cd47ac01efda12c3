"""Navigation groups: links registered with one `group` are shown together behind one button."""

import re

from core import nav
from tests.core.test_pages import nav_html


def item(label: str, group: str | None = None) -> nav.NavItem:
    return nav.NavItem(label, f"/{label.lower()}", None, group)


def test_a_group_sits_where_its_first_link_was_and_keeps_the_order_of_its_links():
    items = [item("Ideas"), item("Users", "Admin"), item("Notifications"), item("Webhooks", "Admin"), item("Settings")]
    menu = nav.grouped(items)
    assert [entry.label for entry in menu] == ["Ideas", "Admin", "Notifications", "Settings"]
    assert [link.label for link in menu[1].items] == ["Users", "Webhooks"]


def test_without_groups_the_menu_is_the_list_of_links():
    items = [item("Ideas"), item("Settings")]
    assert nav.grouped(items) == items


def test_the_admins_pages_sit_behind_one_admin_button(make_user, login_as):
    header = nav_html(login_as(make_user("admin")).get("/").get_data(as_text=True))
    button = re.search(r'<button[^>]*aria-expanded="false" aria-controls="([^"]+)">Admin</button>', header)
    assert button, header
    group = re.search(rf'<ul class="nav-group-links" id="{button.group(1)}">(.*?)</ul>', header, re.DOTALL)
    assert re.findall(r'href="([^"]+)"', group.group(1)) == ["/admin/users", "/admin/webhooks", "/admin/dead-letters"]


def test_no_one_else_sees_the_admin_button(make_user, login_as):
    for role in ("staff", "moderator", "executive"):
        header = nav_html(login_as(make_user(role)).get("/").get_data(as_text=True))
        assert ">Admin</button>" not in header and "nav-group" not in header, role
