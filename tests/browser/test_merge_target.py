"""Merging from the idea page in a real browser: the moderator types part of the target's title, picks it among the
candidates, sees both ideas side by side with the votes the merge gives, confirms and lands on the merge job's page;
a target that does not look alike is warned about, and the merge button does nothing until "Merge anyway" is ticked.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from ideas.models import Vote
from tests.browser.test_moderation import (
    expect_job,
    worker,  # noqa: F401  (registers the fixture that holds jobs until run)
)
from tests.moderation.support import new_idea, stored, vote

pytestmark = pytest.mark.browser

JOB_PAGE = re.compile(r"/moderation/jobs/[0-9a-f-]{36}")


@pytest.fixture
def held(request):
    """The moderation tests' `worker`: jobs are held until the returned function runs them."""
    return request.getfixturevalue("worker")


@pytest.fixture
def pair(make_user, held):
    """A duplicate, the original it repeats (with a supporter each and one of both), and an unrelated idea."""
    author = make_user()
    original = new_idea(author, "Free coffee in the Berlin office kitchen")
    duplicate = new_idea(author, "Free coffee in the Berlin office kitchen please")
    unrelated = new_idea(author, "Bike racks at the Madrid site")
    both = make_user()
    for voter, idea in ((both, original), (both, duplicate), (make_user(), original)):
        vote(voter, idea.id)
    held()  # the duplicate checks the posts started
    return original, duplicate, unrelated


def voters_of(idea_id: int) -> set[int]:
    """Who voted for the idea, read from the database."""
    db.session.commit()
    return set(db.session.scalars(select(Vote.user_id).where(Vote.idea_id == idea_id)))


def find_and_preview(page, source, typed: str, target) -> None:
    """On the source's page, search the merge tool for `typed` and open the preview of merging into `target`."""
    page.goto(f"/ideas/{source.id}")
    page.get_by_label("Merge into…").fill(typed)
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name=f"Matching “{typed}”")).to_be_visible()
    matches = page.locator("section", has=page.get_by_role("heading", name=f"Matching “{typed}”"))
    matches.get_by_role("link", name=f"Preview merge into #{target.id} “{target.title}”").click()
    expect(page.get_by_role("heading", name=f"Merge #{source.id} into #{target.id}?")).to_be_visible()


def test_choose_by_title_preview_side_by_side_and_merge(page, live_server, sign_in, make_user, pair, held):
    original, duplicate, _ = pair
    sign_in(page, live_server, make_user("moderator"))
    find_and_preview(page, duplicate, "Berlin kitchen", original)

    sides = page.locator(".merge-side")
    expect(sides.nth(0)).to_contain_text(duplicate.title)
    expect(sides.nth(1)).to_contain_text(original.title)
    votes_after = len({voter for idea in (original, duplicate) for voter in voters_of(idea.id)})
    expect(page.locator("#merge-result")).to_contain_text(f"#{original.id} has {votes_after} votes after the merge")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("link", name="Merge the other way")).to_be_visible()
    expect(page.get_by_role("link", name="Choose another")).to_be_visible()

    page.get_by_role("button", name=f"Merge #{duplicate.id} into #{original.id}").click()
    page.wait_for_url(JOB_PAGE)
    expect(page.get_by_role("heading", name="Merging ideas")).to_be_visible()
    held()
    expect_job(page, "finished")
    assert stored(duplicate.id).merged_into_id == original.id
    assert stored(original.id).vote_count == votes_after


def test_an_unrelated_target_is_warned_about_and_blocks_until_ticked(
    page, live_server, sign_in, make_user, pair, held, console_errors
):
    _, duplicate, unrelated = pair
    sign_in(page, live_server, make_user("moderator"))
    find_and_preview(page, duplicate, "Madrid", unrelated)

    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("These ideas do not look alike (similarity ")
    expect(warning).to_contain_text(f"Check that #{unrelated.id} is the right idea.")
    preview_url, posted = page.url, []
    page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    merge_button = page.get_by_role("button", name=f"Merge #{duplicate.id} into #{unrelated.id}")
    merge_button.click()  # the browser refuses to send it and points at the box to tick
    expect(page.get_by_label("Merge anyway")).to_be_focused()
    assert page.get_by_label("Merge anyway").evaluate("box => box.validity.valueMissing")
    assert posted == [] and page.url == preview_url and stored(duplicate.id).merged_into_id is None

    page.get_by_label("Merge anyway").check()
    merge_button.click()
    page.wait_for_url(JOB_PAGE)
    held()
    expect_job(page, "finished")
    assert stored(duplicate.id).merged_into_id == unrelated.id
    assert console_errors == []
