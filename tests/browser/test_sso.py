"""Single sign-on in a real browser, through the real provider's own pages (tests/oidc_provider.py): signing
in from the app's button (and back to where the person was going), signing out at the app and the provider,
and a sign-in page with only the button when passwords are off. The HTTP-level tests are
tests/accounts/test_sso.py."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from sqlalchemy import select

from accounts.models import ExternalIdentity, User
from core.extensions import db

pytestmark = pytest.mark.browser

SSO_NAME = "Example ID"
SETTINGS = (
    "OIDC_ISSUER",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_SCOPES",
    "OIDC_NAME",
    "OIDC_ROLE_GROUPS",
    "OIDC_ALLOWED_DOMAINS",
    "LOCAL_LOGIN",
)
# The provider's stock login and consent pages @import a Google web font: blocked, so no test waits on the internet.
FONT_HOSTS = ("fonts.googleapis.com", "fonts.gstatic.com")


@pytest.fixture
def sso(app, live_server, oidc_provider, page):
    """The app signing in through this worker's provider (its live server registered there); settings restored."""
    oidc_provider.allow_app(live_server.url)
    saved = {key: app.config.get(key) for key in SETTINGS}
    app.config.update(
        OIDC_ISSUER=oidc_provider.issuer,
        OIDC_CLIENT_ID=oidc_provider.client_id,
        OIDC_CLIENT_SECRET=oidc_provider.client_secret,
        OIDC_SCOPES="openid email profile",
        OIDC_NAME=SSO_NAME,
        OIDC_ROLE_GROUPS={},
        OIDC_ALLOWED_DOMAINS=(),
        LOCAL_LOGIN=True,
    )
    page.context.route(lambda url: urlsplit(url).hostname in FONT_HOSTS, lambda route: route.abort())
    yield oidc_provider
    app.config.update(saved)
    if not oidc_provider.running:
        oidc_provider.start()


def path_of(page) -> str:
    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def on_app(url: str, live_server) -> bool:
    """Whether `url` is on the app (not on the provider, which shares the host on another port)."""
    return url.startswith(live_server.url + "/")


def app_errors(console_errors: list[str], live_server) -> list[str]:
    """The console and page errors of the app's own pages (the provider's pages are not ours to judge)."""
    return [
        error
        for error in console_errors
        if error.startswith(f"console error at {live_server.url}/") or error.startswith("page error")
    ]


def sign_in_at_provider(page, provider, login: str = "alice") -> None:
    """On the provider's login page: sign in as `login` (any password) and consent; the browser heads back."""
    page.wait_for_url(f"{provider.issuer}/**")
    login_field = page.locator("input[name=login]")
    expect(login_field).to_be_visible()
    login_field.fill(login)
    page.locator("input[name=password]").fill("any password at all")
    page.get_by_role("button", name="Sign-in").click()
    consent = page.get_by_role("button", name="Continue")
    expect(consent).to_be_visible()
    consent.click()


def sign_in_with_sso(page, live_server, provider, login: str = "alice") -> None:
    """From the app's sign-in page: the SSO button, the provider's pages, back on the app."""
    page.get_by_role("link", name=f"Sign in with {SSO_NAME}").click()
    sign_in_at_provider(page, provider, login)
    page.wait_for_url(lambda url: on_app(url, live_server) and urlsplit(url).path != "/login/oidc/callback")
    page.wait_for_load_state()


def test_signing_in_through_the_provider_pages_returns_to_the_page_asked_for(page, live_server, sso, console_errors):
    page.goto("/settings")
    assert urlsplit(page.url).path == "/login"
    assert parse_qs(urlsplit(page.url).query)["next"] == ["/settings"]
    button = page.get_by_role("link", name=f"Sign in with {SSO_NAME}")
    expect(button).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()  # passwords still sign in too

    sign_in_with_sso(page, live_server, sso)

    assert path_of(page) == "/settings"
    expect(page.locator("header nav")).to_contain_text("Alice Archer")
    expect(page.locator("main")).to_contain_text("alice@example.org")
    assert app_errors(console_errors, live_server) == []

    db.session.commit()
    user = db.session.scalar(select(User).where(User.email == "alice@example.org"))
    assert user is not None
    assert (user.name, user.department.name, user.role) == ("Alice Archer", "Research", "staff")
    identities = db.session.scalars(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)).all()
    assert [(identity.issuer, identity.subject) for identity in identities] == [(sso.issuer, "alice")]


def test_signing_out_ends_the_app_session_and_the_provider_session(page, live_server, sso, console_errors):
    page.goto("/login")
    sign_in_with_sso(page, live_server, sso)
    expect(page.locator("header nav")).to_contain_text("Alice Archer")

    page.locator("header nav").get_by_role("button", name="Sign out").click()
    try:
        page.wait_for_url(f"{sso.issuer}/**")
    except PlaywrightTimeoutError:
        pytest.fail(
            f"signing out did not take the browser to the provider's sign-out (still on {page.url}); "
            f"the app's console said: {app_errors(console_errors, live_server)}",
            pytrace=False,
        )
    page.get_by_role("button", name="Yes, sign me out").click()

    page.wait_for_url(lambda url: on_app(url, live_server) and urlsplit(url).path == "/login")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(page.locator("header nav")).not_to_contain_text("Alice Archer")

    page.goto("/settings")
    assert urlsplit(page.url).path == "/login"
    assert parse_qs(urlsplit(page.url).query)["next"] == ["/settings"]

    # The provider's session ended as well: signing in again asks for the login again.
    page.get_by_role("link", name=f"Sign in with {SSO_NAME}").click()
    sign_in_at_provider(page, sso)  # fails at the login field if the provider went straight back
    page.wait_for_url(lambda url: on_app(url, live_server) and urlsplit(url).path == "/settings")
    expect(page.locator("header nav")).to_contain_text("Alice Archer")
    assert app_errors(console_errors, live_server) == []


def test_without_local_login_the_sign_in_page_offers_only_the_provider(app, page, live_server, sso, console_errors):
    app.config["LOCAL_LOGIN"] = False
    page.goto("/login")

    expect(page.get_by_role("link", name=f"Sign in with {SSO_NAME}")).to_be_visible()
    expect(page.locator("input[type=password]")).to_have_count(0)
    expect(page.locator("input[name=email]")).to_have_count(0)
    expect(page.locator("main form")).to_have_count(0)
    expect(page.get_by_text("Forgot your password?")).to_have_count(0)
    assert app_errors(console_errors, live_server) == []
