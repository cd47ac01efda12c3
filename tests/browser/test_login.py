"""Signing in and out in a real browser: the form, the nav, `next`, keyboard access, CSP."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def staff(make_user):
    return make_user("staff", name="Ada Lovelace")


def path_of(page) -> str:
    """The current path and query of the page."""
    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_sign_in_shows_name_in_nav(page, live_server, sign_in, staff):
    sign_in(page, live_server, staff)

    assert path_of(page) == "/"
    nav = page.locator("header nav")
    expect(nav).to_contain_text(staff.name)
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()


def test_sign_out_ends_the_session(page, live_server, sign_in, staff):
    sign_in(page, live_server, staff)
    cookies_while_signed_in = page.context.cookies()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(page.locator("header nav")).not_to_contain_text(staff.name)

    # The cookie of the ended session no longer signs anyone in.
    page.context.clear_cookies()
    page.context.add_cookies(cookies_while_signed_in)
    page.goto("/settings")
    assert urlsplit(page.url).path == "/login"


def test_pages_keep_to_the_content_security_policy(page, live_server, sign_in, staff, console_errors):
    response = page.goto("/login")
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    sign_in(page, live_server, staff)
    for path in ("/", "/ideas/new", "/settings"):
        response = page.goto(path)
        assert response.status == 200
        assert "content-security-policy" in response.headers
        page.wait_for_load_state("networkidle")
    assert console_errors == []


def test_inline_script_is_blocked(page, console_errors):
    page.goto("/login")
    ran = page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener("securitypolicyviolation", () => resolve(window.inlineRan === true));
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true;";
            document.body.append(script);
        })"""
    )
    assert ran is False
    assert any("Content Security Policy" in error for error in console_errors)


def test_first_tab_focuses_skip_link(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to content")
    expect(focused).to_have_attribute("href", "#main")
    expect(focused).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_wrong_password_shows_error_under_the_form(page, staff):
    page.goto("/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()

    error = page.locator("#password-errors")
    expect(error).to_have_text("Wrong e-mail or password.")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Password")).to_have_attribute("aria-describedby", "password-errors")
    assert urlsplit(page.url).path == "/login"
    expect(page.locator("header nav")).not_to_contain_text(staff.name)


@pytest.mark.parametrize("target", ["/", "/settings?tab=tokens"])
def test_signed_out_visit_returns_there_after_sign_in(page, staff, target):
    page.goto(target)
    assert urlsplit(page.url).path == "/login"
    assert parse_qs(urlsplit(page.url).query)["next"] == [target]

    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(lambda url: urlsplit(url).path != "/login")
    assert path_of(page) == target
