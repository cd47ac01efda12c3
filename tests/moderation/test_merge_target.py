"""Choosing the idea to merge into by title or number, seeing both side by side first, and the warning (with a box
to tick, checked by the server) when the two do not look alike; the duplicate queue still merges in one click."""

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.paging import PageRequest
from ideas import similarity
from ideas.models import Vote
from moderation import labels, services, targets
from tests.moderation.support import form_post, linked_ids, new_idea, page_text, row_counts, stored, vote

ORIGINAL = "Free coffee in the Berlin office kitchen"
DUPLICATE = "Free coffee in the Berlin office kitchen please"
UNRELATED = "Bike racks at the Madrid site"
HIDDEN = "Coffee machines on every floor"
MERGED = "Coffee beans from a local roaster"
DEPARTMENT = "Coffee for the Finance team only"
UNRELATED_WARNING = "These ideas do not look alike"

pytestmark = pytest.mark.usefixtures("engine_threshold")


@pytest.fixture
def pool(make_user, set_aside) -> SimpleNamespace:
    """A duplicate and its original (with voters on each and both), an unrelated idea, a hidden one, one merged
    away, and one only Finance may see (the moderator sees it; staff of another department do not)."""
    author, finance = make_user(), make_user(department="Finance")
    ideas = SimpleNamespace(
        original=new_idea(author, ORIGINAL).id,
        duplicate=new_idea(author, DUPLICATE).id,
        unrelated=new_idea(author, UNRELATED).id,
        hidden=new_idea(author, HIDDEN).id,
        merged=new_idea(author, MERGED).id,
        department=new_idea(finance, DEPARTMENT, visibility="department").id,
        author=author,
    )
    both, duplicate_only, original_only = make_user(), make_user(), make_user()
    for user, idea_ids in ((both, (ideas.original, ideas.duplicate)), (duplicate_only, (ideas.duplicate,))):
        for idea_id in idea_ids:
            vote(user, idea_id)
    vote(original_only, ideas.original)
    set_aside(ideas.hidden, ideas.merged, ideas.original)
    ideas.path = f"/moderation/ideas/{ideas.duplicate}/merge"
    return ideas


def merge_page(client, pool, query: dict) -> str:
    """The page choosing where the duplicate goes (`q`), or previewing its merge (`into`)."""
    return page_text(client.get(pool.path, query_string=query))


def preview_links(page: str, source: int) -> set[int]:
    """The ideas the page offers to preview merging `source` into."""
    return linked_ids(page, f"/moderation/ideas/{source}/merge", "into")


def candidate_ids(user, source: int, query: str) -> set[int]:
    """Every idea targets.for_merge offers, the engine's and the query's."""
    found = targets.for_merge(user, stored(source), query, PageRequest(per_page=targets.PAGE_SIZE))
    return {idea.id for idea, _ in found.similar} | {idea.id for idea in found.matches}


def distinct_voters(*idea_ids: int) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count(Vote.user_id.distinct())).where(Vote.idea_id.in_(idea_ids)))


def test_the_idea_page_offers_a_search_not_a_bare_number(pool, mod_browser):
    page = page_text(mod_browser.get(f"/ideas/{pool.duplicate}"))
    form = re.search(r'<form method="get" action="/moderation/ideas/\d+/merge"[^>]*>(.*?)</form>', page, re.S)
    assert form and 'name="q"' in form.group(1) and "Merge into…" in form.group(1)
    assert 'name="into"' not in page


def test_words_of_the_title_find_the_target(pool, mod_browser):
    page = merge_page(mod_browser, pool, {"q": "madrid bike"})
    matches = page[page.index('id="matches-heading"') :]
    assert UNRELATED in matches and f"#{pool.unrelated}" in matches
    assert pool.unrelated in preview_links(matches, pool.duplicate)
    assert ORIGINAL not in matches  # it holds neither word


@pytest.mark.parametrize("typed", ["{id}", "#{id}", " {id} "])
def test_a_number_alone_finds_that_idea(pool, mod_browser, typed):
    query = typed.format(id=pool.unrelated)
    page = merge_page(mod_browser, pool, {"q": query})
    matches = page[page.index('id="matches-heading"') :]
    assert preview_links(matches, pool.duplicate) == {pool.unrelated}


def test_the_most_similar_ideas_come_first(pool, mod_browser):
    page = merge_page(mod_browser, pool, {"q": "madrid"})
    similar_at, matches_at = page.index('id="similar-heading"'), page.index('id="matches-heading"')
    assert similar_at < matches_at and ORIGINAL in page[similar_at:matches_at]
    score = similarity.pair_score(pool.duplicate, pool.original)
    assert f"similarity {score:.2f}" in page[similar_at:matches_at]


def test_hidden_merged_and_the_idea_itself_are_no_candidates(pool, moderator, mod_browser):
    found = candidate_ids(moderator, pool.duplicate, "coffee")
    assert pool.original in found and pool.department in found
    assert not found & {pool.hidden, pool.merged, pool.duplicate}
    page = merge_page(mod_browser, pool, {"q": "coffee"})
    assert not preview_links(page, pool.duplicate) & {pool.hidden, pool.merged, pool.duplicate}
    assert HIDDEN not in page and MERGED not in page


def test_ideas_the_user_may_not_see_are_no_candidates(pool, users):
    engineer = users["staff"]  # of Engineering: a Finance-only idea is not for them
    assert pool.department not in candidate_ids(engineer, pool.duplicate, "coffee")
    assert pool.original in candidate_ids(engineer, pool.duplicate, "coffee")


def test_nothing_matching_says_so(pool, mod_browser):
    page = merge_page(mod_browser, pool, {"q": "zeppelin"})
    assert "No idea matches “zeppelin”." in page


def test_the_matches_page_and_keep_the_query(pool, mod_browser, monkeypatch):
    monkeypatch.setattr(targets, "PAGE_SIZE", 2)
    for number in range(3):
        new_idea(pool.author, f"Parking spaces for bicycles {number}")
    first = merge_page(mod_browser, pool, {"q": "parking"})
    assert "Page 1 of 2" in first
    next_page = re.search(r'<a rel="next" href="([^"]+)"', first).group(1)
    assert "q=parking" in next_page and "page=2" in next_page
    second = page_text(mod_browser.get(next_page))
    assert "Page 2 of 2" in second and len(re.findall(r'class="candidate"', second)) == 1
    assert 'id="similar-heading"' not in second


def test_the_preview_shows_both_ideas_and_the_votes_after_the_merge(pool, mod_browser):
    page = merge_page(mod_browser, pool, {"into": pool.original})
    source, target = page.index('id="source-heading"'), page.index('id="target-heading"')
    assert DUPLICATE in page[source:target] and ORIGINAL in page[target:]
    assert f"#{pool.original} has {distinct_voters(pool.duplicate, pool.original)} votes after the merge" in re.sub(
        r"</?strong>", "", page
    )
    assert UNRELATED_WARNING not in page and 'name="confirm_unrelated"' not in page
    assert f"Merge #{pool.duplicate} into #{pool.original}</button>" in page
    assert f'href="/moderation/ideas/{pool.original}/merge?into={pool.duplicate}">Merge the other way' in page
    assert "Choose another" in page


def test_the_votes_the_preview_promises_are_the_votes_the_merge_gives(pool, mod_browser, run_jobs):
    page = merge_page(mod_browser, pool, {"into": pool.original})
    promised = int(re.search(r"has <strong>(\d+) votes?</strong> after the merge", page).group(1))
    response = form_post(mod_browser, pool.path, into=pool.original, confirmed="1")
    assert "/moderation/jobs/" in response.headers["Location"]
    run_jobs()
    assert stored(pool.duplicate).merged_into_id == pool.original
    assert stored(pool.original).vote_count == promised


def test_unrelated_ideas_are_warned_about(pool, mod_browser):
    page = merge_page(mod_browser, pool, {"into": pool.unrelated})
    score = similarity.pair_score(pool.duplicate, pool.unrelated)
    assert score < labels.threshold()
    assert f"{UNRELATED_WARNING} (similarity {score:.2f}). Check that #{pool.unrelated} is the right idea." in page
    assert re.search(r'<input type="checkbox"[^>]*name="confirm_unrelated"[^>]*required', page)


def test_an_unrelated_merge_without_the_tick_stores_nothing_and_says_why(pool, mod_browser):
    before = row_counts()
    response = form_post(mod_browser, pool.path, into=pool.unrelated, confirmed="1")
    page = page_text(response, 422)
    assert "tick “Merge anyway”" in page and UNRELATED_WARNING in page
    assert DUPLICATE in page and UNRELATED in page
    assert row_counts() == before
    assert stored(pool.duplicate).merged_into_id is None


def test_an_unrelated_merge_with_the_tick_merges(pool, mod_browser, run_jobs):
    response = form_post(mod_browser, pool.path, into=pool.unrelated, confirmed="1", confirm_unrelated="1")
    assert response.status_code == 302 and "/moderation/jobs/" in response.headers["Location"]
    run_jobs()
    assert stored(pool.duplicate).merged_into_id == pool.unrelated


def test_the_old_number_form_goes_to_the_preview_first(pool, mod_browser):
    before = row_counts()
    response = form_post(mod_browser, pool.path, into=pool.unrelated)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/moderation/ideas/{pool.duplicate}/merge?into={pool.unrelated}"
    assert row_counts() == before


def test_the_api_merges_unrelated_ideas_as_before(pool, mod_api, finish):
    job = finish(mod_api.post(f"/api/v1/ideas/{pool.duplicate}/merge", json={"into": pool.unrelated}), mod_api)
    assert job["result"]["target_id"] == pool.unrelated


def test_a_refused_pair_is_explained_on_the_preview_without_a_button(pool, mod_browser):
    page = merge_page(mod_browser, pool, {"into": pool.merged})
    assert "The target idea is itself merged" in page
    assert "</button>" not in page[page.index('id="result-heading"') :]
    assert f'href="/moderation/ideas/{pool.duplicate}/merge?into={pool.original}"' in page  # where it went


def test_an_idea_that_does_not_exist_is_said_so(pool, mod_browser):
    page = merge_page(mod_browser, pool, {"into": 999_999})
    assert "No such idea to merge into." in page


def test_the_pages_store_nothing(pool, mod_browser):
    before = row_counts()
    for query in ({"q": "coffee"}, {"into": pool.original}, {"into": pool.unrelated}, {}):
        merge_page(mod_browser, pool, query)
    assert row_counts() == before


def queue_form(page: str, source: int) -> dict:
    """The fields of the duplicate queue's form that merges `source`."""
    form = re.search(rf'<form method="post" action="/moderation/ideas/{source}/merge">(.*?)</form>', page, re.S)
    assert form, page
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(1)))


@pytest.mark.parametrize("raised", [False, True], ids=["as-suggested", "threshold-raised-since"])
def test_the_duplicate_queue_still_merges_in_one_click(pool, mod_browser, app, monkeypatch, run_jobs, raised):
    services.suggest_duplicates(pool.duplicate, 0.3)
    db.session.commit()
    fields = queue_form(page_text(mod_browser.get("/moderation/duplicates")), pool.duplicate)
    if raised:  # the pair is on the queue: it is a likely duplicate, whatever the threshold says now
        monkeypatch.setitem(app.config, "DUPLICATE_MIN_SCORE", 0.999)
    response = mod_browser.post(pool.path, data=fields)
    assert response.status_code == 302 and "/moderation/jobs/" in response.headers["Location"]
    run_jobs()
    assert stored(pool.duplicate).merged_into_id == pool.original
