"""The job page's heading follows the job: "Merging ideas…" while it waits or runs, "Merge done" with a link to
the target when it has finished, "Merge failed" with the error and where to retry it when it has failed; no
"Merging…" message is left above a finished status."""

import re

import pytest
from playwright.sync_api import expect

from core import jobs
from moderation import merges, services
from tests.browser.test_moderation import worker  # noqa: F401  (registers the fixture that holds jobs until run)
from tests.moderation.support import new_idea

pytestmark = pytest.mark.browser


@pytest.fixture
def held(request):
    """The moderation tests' `worker`: jobs are held until the returned function runs them."""
    return request.getfixturevalue("worker")


def _start_merge(page, live_server, sign_in, make_user, held):
    """Two near-identical ideas on the queue; the moderator merges them; the job page is shown, job held."""
    author = make_user()
    older = new_idea(author, "Free coffee in the Berlin office kitchen")
    newer = new_idea(author, "Free coffee in the Berlin office kitchen please")
    held()
    services.suggest_duplicates(newer.id, 0.3)
    sign_in(page, live_server, make_user("moderator"))
    page.goto("/moderation/duplicates")
    page.get_by_role("button", name=f"Merge #{newer.id} “{newer.title}” into #{older.id} “{older.title}”").click()
    page.wait_for_url(re.compile(r"/moderation/jobs/[0-9a-f-]{36}"))
    return older, newer


def test_the_heading_says_merge_done_with_a_link_once_the_job_has_finished(page, live_server, sign_in, make_user, held):
    older, _ = _start_merge(page, live_server, sign_in, make_user, held)
    heading = page.locator("h1")
    expect(heading).to_have_text("Merging ideas…")
    held()
    expect(heading).to_have_text("Merge done")
    expect(page.locator("#job-status .job-state")).to_have_text("finished")
    expect(page.get_by_role("link", name="See the result")).to_have_attribute("href", f"/ideas/{older.id}")
    expect(page.locator("main")).not_to_contain_text("Merging")


def test_a_finished_merge_seen_afresh_says_done_and_no_merging_message(page, live_server, sign_in, make_user, held):
    _start_merge(page, live_server, sign_in, make_user, held)
    held()
    page.reload()
    expect(page.locator("h1")).to_have_text("Merge done")
    expect(page.locator("body")).not_to_contain_text("Merging")


def test_the_heading_says_merge_failed_with_the_error_and_where_to_retry(
    page, live_server, sign_in, make_user, held, monkeypatch
):
    _start_merge(page, live_server, sign_in, make_user, held)

    def broken(merge_id):
        return jobs.JobFailure("the target idea went away")

    monkeypatch.setattr(merges, "perform_merge", broken)
    held()
    expect(page.locator("h1")).to_have_text("Merge failed")
    expect(page.locator("#job-status")).to_contain_text("the target idea went away")
    expect(page.locator("#job-failure").get_by_role("link", name="Merges and moves")).to_be_visible()
