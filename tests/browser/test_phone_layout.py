"""Phones and preferences: the header is one row with a menu, the filters fold behind one button, no page scrolls
sideways at 320 and 375 px, tap targets are at least 44 px, motion stops when asked and the dark theme passes axe."""

import pytest

from accounts import services as account_services
from core import audit
from ideas.models import Idea
from moderation import services as moderation_services
from tests.browser import test_accessibility
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD
from tests.moderation.support import comment_on, new_idea

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
SMALL_PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
TAP_TARGET_PX = 44
PAGES_BY_ROLE = test_accessibility.PAGES_BY_ROLE
SIGNED_OUT_PAGES = ("/login", "/password-reset")
# The pages with the most kinds of control, measured for tap targets.
KEY_PAGES = ("/", "/ideas/{idea}", "/ideas/new", "/settings", "/notifications", "/campaigns")
MODERATOR_KEY_PAGES = (
    "/moderation",
    "/moderation/ideas/{twin}/merge?into={idea}",
    "/moderation/comments/{comment}/move?q=coffee",
)
scene = test_accessibility.scene  # ideas, votes, a comment, a notification and a duplicate suggestion

SIDEWAYS = """() => {
  const width = window.innerWidth;
  const overflow = document.documentElement.scrollWidth - width;
  const wide = [...document.querySelectorAll("body *")]
    .filter((element) => element.getBoundingClientRect().right > width + 1)
    .slice(-3)
    .map((element) => `${element.tagName.toLowerCase()}.${element.className}`);
  return overflow > 0 ? {overflow, wide} : null;
}"""

# Every visible control in main and nav smaller than `min` px either way. A checkbox or radio is tapped through its
# label, so the label is measured; a link inside a sentence is exempt (WCAG 2.5.5's "inline" exception).
SMALL_TARGETS = """(min) => {
  const INLINE_IN = "p, li, td, th, dd, dt, label, figcaption, blockquote";
  const isInline = (link) => {
    const block = link.parentElement.closest(INLINE_IN);
    return block !== null && block.textContent.trim() !== link.textContent.trim();
  };
  const target = (element) => {
    if (element.matches("input[type=checkbox], input[type=radio]")) {
      return element.closest("label") || document.querySelector(`label[for="${element.id}"]`) || element;
    }
    return element;
  };
  const controls = document.querySelectorAll(
    "main a, main button, main input, main select, main textarea, main summary, nav a, nav button");
  return [...controls]
    .filter((element) => element.checkVisibility() && element.type !== "hidden")
    .filter((element) => !(element.tagName === "A" && isInline(element)))
    .map((element) => [element, target(element).getBoundingClientRect()])
    .filter(([, box]) => box.width > 1 && (box.height < min || box.width < min))
    .map(([element, box]) => `${element.tagName.toLowerCase()} "${(element.textContent || element.name || "").trim()
      .slice(0, 30)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
}"""


LONG_URL = "https://intranet.example.org/facilities/" + "kitchen_equipment_procurement_" * 4 + "2026"  # no break


@pytest.fixture
def crowded(scene, make_user, db) -> dict:
    """The scene with what makes pages wide: audit entries with long details, a long name and e-mail address, a
    long link in a comment, an access token."""
    moderator = make_user("moderator", name="Maximiliane Oberndorfer-Schwarzenbach")
    make_user(email="maximiliane.oberndorfer_schwarzenbach@verwaltung.example.test", department="Facilities Services")
    idea = db.session.get(Idea, scene["idea"])
    for action in ("lock", "unlock"):
        moderation_services.set_idea_state(moderator, idea, action)
    audit.record(moderator, "webhook_create", "webhook", 1, after={"url": LONG_URL, "events": ["idea.created"] * 3})
    comment_on(moderator, idea.id, f"The supplier's page: {LONG_URL}")
    account_services.create_token(scene["author"], "nightly-export-to-the-facilities-dashboard")
    db.session.commit()
    return scene


_url = test_accessibility.page_url


def _user_for(role: str, scene: dict, make_user):
    return scene["author"] if role == "staff" else make_user(role)


def _sideways_on(page, url: str, widths) -> dict:
    """{"<url> at <width> px": overflow and the widest elements} for each width at which the page scrolls sideways."""
    found = {}
    response = page.goto(url)
    assert response.status < 400, (url, response.status)
    for width in widths:
        page.set_viewport_size({"width": width, "height": 800})
        if problem := page.evaluate(SIDEWAYS):
            found[f"{url} at {width} px"] = problem
    return found


def _open_menu(page):
    menu_button = page.get_by_role("button", name="Menu")
    menu_button.click()
    return menu_button


@pytest.mark.parametrize("role", sorted(PAGES_BY_ROLE))
def test_no_page_of_any_role_scrolls_sideways_at_320_or_375_px(role, page, live_server, sign_in, crowded, make_user):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, _user_for(role, crowded, make_user))
    found = {}
    for path in PAGES_BY_ROLE[role]:
        found |= _sideways_on(page, _url(path, crowded), (PHONE["width"], SMALL_PHONE["width"]))
    assert found == {}


def test_the_signed_out_pages_do_not_scroll_sideways_at_320_px(page, live_server):
    found = {}
    for path in SIGNED_OUT_PAGES:
        found |= _sideways_on(page, path, (SMALL_PHONE["width"],))
    assert found == {}


def test_on_a_phone_the_header_is_one_row_and_the_links_sit_behind_a_menu_button(
    page, live_server, sign_in, scene, make_user
):
    page.set_viewport_size(SMALL_PHONE)
    sign_in(page, live_server, make_user("admin"))
    header = page.locator(".site-header")
    assert header.bounding_box()["height"] <= 64
    menu_button = page.get_by_role("button", name="Menu")
    assert menu_button.get_attribute("aria-expanded") == "false"
    menu = page.locator("#" + menu_button.get_attribute("aria-controls"))
    users_link = page.get_by_role("link", name="Users", exact=True)
    assert not users_link.is_visible()

    menu_button.click()
    assert menu_button.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="Campaigns").is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()
    admin_pages = page.get_by_role("button", name="Admin")
    admin_pages.click()  # the admin's pages, a list of their own in the menu
    assert users_link.is_visible()
    assert page.evaluate(SMALL_TARGETS, TAP_TARGET_PX) == []
    users_link.focus()  # keyboard: Escape folds the innermost list first, and the focus goes to its button
    page.keyboard.press("Escape")
    assert not users_link.is_visible() and menu.is_visible()
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Admin"
    page.keyboard.press("Escape")
    assert menu_button.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Menu"

    page.keyboard.press("Enter")  # the button opens by keyboard too
    admin_pages.click()
    users_link.click()
    page.wait_for_url("**/admin/users")


def test_without_script_the_phone_header_shows_every_link(browser, live_server, scene, make_user):
    admin = make_user("admin")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=email]", admin.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action$='/login'] [type=submit]")
        page.wait_for_url(lambda url: not url.split("?")[0].endswith("/login"))
        assert not page.get_by_role("button", name="Menu").is_visible()
        assert page.get_by_role("link", name="Users", exact=True).is_visible()
        assert page.get_by_role("button", name="Sign out").is_visible()
        assert page.get_by_label("Search").is_visible()  # the filters, unfolded
    finally:
        context.close()


def test_at_1280_px_the_admins_navigation_is_one_line(page, live_server, sign_in, scene, make_user, run_jobs):
    admin = make_user("admin", name="Maximiliane Oberndorfer-Schwarzenbach")
    idea = new_idea(make_user(), "Standing desks on every floor")
    comment_on(make_user(), idea.id, "Yes please.", parent=comment_on(admin, idea.id, "And quiet rooms."))
    run_jobs()  # an unread reply: the Notifications link carries its badge
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, admin)
    nav = page.locator("nav[aria-label=Main]")
    assert nav.locator(".badge").is_visible()
    assert not nav.get_by_role("button", name="Menu").is_visible()
    in_view = "els => els.filter(el => el.checkVisibility()).map(el => el.getBoundingClientRect())"
    boxes = nav.locator("a, button").evaluate_all(in_view)
    assert len(boxes) >= 10
    assert max(box["top"] for box in boxes) - min(box["top"] for box in boxes) < 12, "the navigation wraps"
    assert nav.bounding_box()["height"] < 2 * max(box["height"] for box in boxes)

    # The admin's own pages sit behind one button: a drop-down that Escape folds.
    admin_pages = nav.get_by_role("button", name="Admin")
    users = nav.get_by_role("link", name="Users", exact=True)
    assert admin_pages.get_attribute("aria-expanded") == "false" and not users.is_visible()
    admin_pages.click()
    assert users.is_visible() and nav.get_by_role("link", name="Dead letters").is_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    assert admin_pages.get_attribute("aria-expanded") == "false" and not users.is_visible()
    assert page.evaluate("() => document.activeElement.textContent") == "Admin"
    admin_pages.click()
    users.click()
    page.wait_for_url("**/admin/users")


def test_on_a_phone_the_filters_fold_behind_one_button_and_the_first_idea_is_high(
    page, live_server, sign_in, scene, make_user
):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, scene["author"])
    filters_button = page.get_by_role("button", name="Filters")
    assert filters_button.get_attribute("aria-expanded") == "false"
    search = page.get_by_label("Search")
    assert not search.is_visible()
    assert page.locator(".idea-row").first.bounding_box()["y"] < 400

    filters_button.click()
    assert filters_button.get_attribute("aria-expanded") == "true"
    search.fill("coffee")
    page.get_by_label("Status").select_option("open")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/?*q=coffee*")
    # Folded again after applying, the button says how many filters are on.
    filters_on = page.get_by_role("button", name="Filters (2 on)")
    assert filters_on.get_attribute("aria-expanded") == "false"
    assert page.locator(".idea-row").first.bounding_box()["y"] < 400


def test_on_a_wide_screen_the_filters_show_without_a_click(page, live_server, sign_in, scene):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, scene["author"])
    assert not page.get_by_role("button", name="Filters").is_visible()
    assert page.get_by_label("Search").is_visible()
    assert page.get_by_label("Sort by").is_visible()


@pytest.mark.parametrize("role", ["moderator", "executive"])
def test_tap_targets_on_a_phone_are_at_least_44_px(role, page, live_server, sign_in, scene, make_user):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, make_user(role))
    found = {}
    for path in (*KEY_PAGES, *(MODERATOR_KEY_PAGES if role == "moderator" else ("/review", "/analytics"))):
        url = _url(path, scene)
        page.goto(url)
        for button in page.locator("button[data-disclosure]").all():
            button.click()  # the menu and the filters, unfolded
        if small := page.evaluate(SMALL_TARGETS, TAP_TARGET_PX):
            found[url] = small
    assert found == {}


def test_motion_stops_when_the_reader_asks_for_reduced_motion(page, live_server, sign_in, scene):
    sign_in(page, live_server, scene["author"])
    durations = """() => [...document.querySelectorAll("*")].flatMap((element) => {
      const style = getComputedStyle(element);
      return [style.transitionDuration, style.animationDuration].flatMap((value) => value.split(","));
    }).map(parseFloat).reduce((a, b) => Math.max(a, b), 0)"""
    assert page.evaluate(durations) > 0  # buttons and links fade between states
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(durations) == 0
    assert page.evaluate("() => getComputedStyle(document.documentElement).scrollBehavior") == "auto"


def _luminance(page, selector: str, property_name: str) -> float:
    """The relative luminance (WCAG) of an element's computed colour."""
    return page.evaluate(
        """([selector, name]) => {
          const [r, g, b] = getComputedStyle(document.querySelector(selector))[name].match(/[\\d.]+/g).map(Number);
          const linear = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
          return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
        }""",
        [selector, property_name],
    )


def test_the_signed_out_pages_follow_a_dark_colour_scheme_without_violations(page, live_server):
    page.emulate_media(color_scheme="dark")
    for path in SIGNED_OUT_PAGES:
        page.goto(path)
        assert _luminance(page, "html", "backgroundColor") < 0.05
        assert _luminance(page, "html", "color") > 0.6
        assert axe_violations(page) == []


@pytest.mark.parametrize("role", sorted(PAGES_BY_ROLE))
def test_in_the_dark_theme_no_page_of_any_role_has_a_serious_violation(
    role, page, live_server, sign_in, scene, make_user
):
    page.emulate_media(color_scheme="dark")
    sign_in(page, live_server, _user_for(role, scene, make_user))
    assert _luminance(page, "html", "backgroundColor") < 0.05
    found = {}
    for path in PAGES_BY_ROLE[role]:
        url = _url(path, scene)
        response = page.goto(url)
        assert response.status < 400, (url, response.status)
        if problems := axe_violations(page):
            found[url] = problems
    assert found == {}


@pytest.mark.parametrize("width", [768, 900, 1024, 1100])
def test_between_phone_and_desktop_the_admins_header_stays_one_row(
    width, page, live_server, sign_in, scene, make_user, run_jobs
):
    admin = make_user("admin", name="Maximiliane Oberndorfer-Schwarzenbach")
    idea = new_idea(make_user(), "Standing desks on every floor")
    comment_on(make_user(), idea.id, "Yes please.", parent=comment_on(admin, idea.id, "And quiet rooms."))
    run_jobs()  # an unread reply: the Notifications link carries its badge
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, admin)
    header = page.locator("header.site-header")
    assert header.bounding_box()["height"] <= 64, f"the header wraps at {width} px"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    nav = page.locator("nav[aria-label=Main]")
    menu = nav.get_by_role("button", name="Menu")
    if menu.is_visible():  # the links sit behind the menu button, as on a phone
        menu.click()
    for name in ("Ideas", "Moderation", "Review"):
        assert nav.get_by_role("link", name=name, exact=True).is_visible()
    assert nav.get_by_role("button", name="Sign out").is_visible()
