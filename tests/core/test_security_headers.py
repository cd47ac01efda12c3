"""Every response carries the security headers, errors and static files included."""

import re

from tests.core.support import built_app

REQUIRED_FRAME_ANCESTORS = "'none'"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def csp_directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: [sources]}."""
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    """CSP without inline script and with frame-ancestors 'none', nosniff and a Referrer-Policy."""
    directives = csp_directives(response.headers["Content-Security-Policy"])
    script_sources = directives.get("script-src", directives.get("default-src"))
    assert script_sources, "no script-src or default-src"
    assert "'unsafe-inline'" not in script_sources
    assert "'unsafe-eval'" not in script_sources
    assert directives["frame-ancestors"] == [REQUIRED_FRAME_ANCESTORS]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("Referrer-Policy")


def test_csp_parser():
    parsed = csp_directives("default-src 'self'; script-src 'self' 'unsafe-inline' ;frame-ancestors 'none'")
    assert parsed == {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "frame-ancestors": ["'none'"],
    }


# A page, a redirect, HTML and JSON errors, the API, static files and the health check.
ANONYMOUS_RESPONSES = {
    "/login": 200,
    "/": 302,
    "/nope": 404,
    "/api/v1/nope": 404,
    "/api/v1/me": 401,
    "/api/v1/openapi.json": 200,
    "/static/css/app.css": 200,
    "/static/js/app.js": 200,
    "/healthz": 200,
}


def test_every_kind_of_response_carries_the_headers(client):
    for path, status in ANONYMOUS_RESPONSES.items():
        response = client.get(path)
        assert response.status_code == status, path
        assert_security_headers(response)


def test_signed_in_pages_carry_the_headers(make_user, login_as):
    browser = login_as(make_user())
    for path in ("/", "/settings"):
        response = browser.get(path)
        assert response.status_code == 200
        assert_security_headers(response)


def test_pages_hold_no_inline_script(make_user, login_as, client):
    browser = login_as(make_user())
    for response in (client.get("/login"), browser.get("/"), browser.get("/settings")):
        html = response.get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html)
        assert not INLINE_HANDLER.search(html)


def test_inline_script_patterns():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js" defer></script>')
    assert INLINE_HANDLER.search('<button onclick="x()">')
    assert not INLINE_HANDLER.search("<p>onion = vegetable</p>")


def test_hsts_is_sent_when_the_site_is_served_over_https(base_config):
    with built_app(base_config, BASE_URL="https://ideas.example.org") as application:
        response = application.test_client().get("/login")
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    with built_app(base_config, BASE_URL="http://ideapool.test") as application:
        assert "Strict-Transport-Security" not in application.test_client().get("/login").headers
