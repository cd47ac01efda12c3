"""/admin/users in a real browser: an admin finds one person among many by name, pages through the
matches with the search kept, and changes that person's role."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_an_admin_finds_a_person_pages_through_matches_and_changes_a_role(page, live_server, sign_in, make_user):
    for number in range(30):
        make_user(name=f"Engineer {number:02d} Lindqvist")
    target = make_user(name="Engineer 99 Lindqvist")
    make_user(name="Someone Else Entirely")
    sign_in(page, live_server, make_user("admin"), next="/admin/users")
    page.get_by_label("Name or e-mail").fill("lindqvist")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("31 users")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(25)
    expect(page.locator("table")).not_to_contain_text("Someone Else Entirely")
    pager = page.get_by_role("navigation", name="Pages")
    expect(pager.get_by_role("link", name="1", exact=True)).to_have_attribute("aria-current", "page")
    pager.get_by_role("link", name="2", exact=True).click()
    expect(rows).to_have_count(6)
    expect(page.get_by_label("Name or e-mail")).to_have_value("lindqvist")  # the search is kept
    row = page.locator(f"#user-{target.id}")
    row.get_by_label("Role of Engineer 99 Lindqvist").select_option("moderator")
    row.get_by_role("button", name="Change").click()
    expect(page.locator(f"#user-{target.id}").get_by_label("Role of Engineer 99 Lindqvist")).to_have_value("moderator")
