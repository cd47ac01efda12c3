"""The HTML side of the foundation: the login page, redirects for strangers, error pages, navigation."""

import re
from urllib.parse import parse_qs, urlsplit

from core import nav
from tests.conftest import login
from tests.core.support import built_app, labelled_input, read_page

# Pages meant for other roles (API.md); a link to them must not show to those who may not use them.
NOT_FOR = {
    "staff": ("/moderation", "/review"),
    "moderator": ("/review",),
    "executive": ("/moderation",),
}


def nav_html(html: str) -> str:
    """The main navigation and the header around it."""
    match = re.search(r"<header.*?</header>", html, re.DOTALL)
    assert match, "page has no header"
    return match.group(0)


def nav_links(html: str) -> set[str]:
    """The hrefs of the links in the header."""
    return set(re.findall(r'href="([^"]+)"', nav_html(html)))


def test_login_page_has_labelled_fields_and_the_csrf_meta(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = read_page(response.get_data(as_text=True))
    assert labelled_input(page, "email").get("type") == "email"
    assert labelled_input(page, "password").get("type") == "password"
    assert [field for field in page.inputs if field.get("name") == "csrf_token" and field.get("value")]
    assert [meta for meta in page.metas if meta.get("name") == "csrf-token" and meta.get("content")]


def test_strangers_are_sent_to_login_with_a_way_back(client):
    for path in ("/", "/?sort=top&page=2", "/settings"):
        response = client.get(path)
        assert response.status_code == 302
        target = urlsplit(response.headers["Location"])
        assert target.path == "/login"
        assert parse_qs(target.query)["next"] == [path]


def test_error_pages_are_html_in_the_layout(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "404" in html
    assert '<header class="site-header">' in html
    assert 'name="csrf-token"' in html


def test_signed_in_error_page_keeps_the_navigation(make_user, login_as):
    response = login_as(make_user()).get("/nope")
    assert response.status_code == 404
    assert "Sign out" in nav_html(response.get_data(as_text=True))


def test_navigation_by_role(make_user, login_as):
    people = {role: make_user(role) for role in NOT_FOR}
    for role, forbidden in NOT_FOR.items():
        html = login_as(people[role]).get("/").get_data(as_text=True)
        header = nav_html(html)
        for label in ("Ideas", "Settings", "Sign out"):
            assert label in header, role
        links = nav_links(html)
        assert "/settings" in links
        for path in forbidden:
            assert not any(link == path or link.startswith(path + "/") for link in links), (role, path)


def test_anonymous_navigation_offers_only_sign_in(client):
    header = nav_html(client.get("/login").get_data(as_text=True))
    assert "Sign in" in header
    assert "Sign out" not in header and "Settings" not in header


def header_seen_by(application, user) -> str:
    """The header of a page of `application` as `user` sees it."""
    browser = application.test_client()
    assert login(browser, user.email).status_code == 302
    return nav_html(browser.get("/settings").get_data(as_text=True))


def test_nav_entries_show_only_to_those_allowed(base_config, make_user):
    moderator, staff = make_user("moderator"), make_user("staff")
    with built_app(base_config) as application:
        nav.register(application, nav.NavEntry("Probe queue", "healthz", allowed=lambda user: user.is_moderator))
        assert "Probe queue" in header_seen_by(application, moderator)
        assert "Probe queue" not in header_seen_by(application, staff)
