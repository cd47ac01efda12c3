"""Moving a thread: the idea is chosen by title or number and seen before confirming; a thread moved to an idea it
does not look like needs "Move anyway" ticked, checked by the server; a move into a new idea needs no tick."""

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core.extensions import db
from core.paging import PageRequest
from ideas.models import Comment
from moderation import labels, targets
from moderation.models import CommentMove
from tests.moderation.support import comment_on, form_post, linked_ids, new_idea, page_text, row_counts, stored

HOME = "Four-day week pilot"
RELATED = "Parking spaces for bicycles at the Berlin office"
UNRELATED = "Quiet rooms on every floor"
HIDDEN = "Parking for motorbikes"
MERGED = "Parking spaces for e-bikes"
UNRELATED_WARNING = "The thread and this idea do not look alike"

pytestmark = pytest.mark.usefixtures("engine_threshold")


@pytest.fixture
def thread(make_user, set_aside) -> SimpleNamespace:
    """A thread about bicycle parking under an idea about something else, the idea it belongs to, an unrelated
    idea, a hidden one and one merged away."""
    author = make_user()
    ideas = SimpleNamespace(
        home=new_idea(author, HOME).id,
        related=new_idea(author, RELATED, body="Covered parking spaces for bicycles, near the entrance.").id,
        unrelated=new_idea(author, UNRELATED).id,
        hidden=new_idea(author, HIDDEN).id,
        merged=new_idea(author, MERGED).id,
    )
    root = comment_on(author, ideas.home, "We need covered parking spaces for bicycles at the Berlin office.")
    comment_on(make_user(), ideas.home, "Yes, near the entrance.", parent=root)
    set_aside(ideas.hidden, ideas.merged, ideas.related)
    ideas.comment = root.id
    ideas.path = f"/moderation/comments/{root.id}/move"
    return ideas


def chosen_links(page: str, comment_id: int) -> set[int]:
    """The ideas the page offers to move the thread to."""
    return linked_ids(page, f"/moderation/comments/{comment_id}/move", "to_idea")


def moves_made() -> int:
    db.session.commit()
    return len(db.session.scalars(select(CommentMove.id)).all())


def test_words_of_the_title_find_the_target(thread, mod_browser):
    page = page_text(mod_browser.get(thread.path, query_string={"q": "quiet rooms"}))
    matches = page[page.index('id="matches-heading"') :]
    assert UNRELATED in matches and chosen_links(matches, thread.comment) == {thread.unrelated}


def test_a_number_alone_finds_that_idea(thread, mod_browser):
    page = page_text(mod_browser.get(thread.path, query_string={"q": f"#{thread.unrelated}"}))
    assert chosen_links(page[page.index('id="matches-heading"') :], thread.comment) == {thread.unrelated}


def test_the_ideas_most_like_the_thread_come_first(thread, mod_browser):
    page = page_text(mod_browser.get(thread.path))
    similar = page[page.index('id="similar-heading"') : page.index('id="new-idea-heading"')]
    assert RELATED in similar and thread.related in chosen_links(similar, thread.comment)


def test_its_own_idea_hidden_and_merged_ideas_are_no_candidates(thread, moderator, mod_browser):
    comment = db.session.get(Comment, thread.comment)
    found = targets.for_move(moderator, comment, "parking", PageRequest(per_page=targets.PAGE_SIZE))
    offered = {idea.id for idea, _ in found.similar} | {idea.id for idea in found.matches}
    assert thread.related in offered and not offered & {thread.home, thread.hidden, thread.merged}
    page = page_text(mod_browser.get(thread.path, query_string={"q": "parking"}))
    assert not chosen_links(page, thread.comment) & {thread.home, thread.hidden, thread.merged}


def test_the_chosen_idea_is_shown_by_title_before_moving(thread, mod_browser):
    before = row_counts()
    page = page_text(mod_browser.get(thread.path, query_string={"to_idea": thread.related}))
    assert f"Move to “{RELATED}”" in page and f"#{thread.related}" in page
    assert f'<input type="hidden" name="to_idea" value="{thread.related}">' in page
    assert UNRELATED_WARNING not in page and 'name="confirm_unrelated"' not in page
    assert row_counts() == before


def test_an_unrelated_idea_is_warned_about(thread, mod_browser):
    page = page_text(mod_browser.get(thread.path, query_string={"to_idea": thread.unrelated}))
    comment = db.session.get(Comment, thread.comment)
    likeness = targets.text_likeness(targets.thread_text(comment), stored(thread.unrelated))
    assert likeness.score < labels.threshold()
    assert f"{UNRELATED_WARNING} (similarity {likeness.score:.2f})." in page
    assert f"Check that #{thread.unrelated} is the right idea." in page
    assert re.search(r'<input type="checkbox"[^>]*name="confirm_unrelated"[^>]*required', page)


def test_an_unrelated_move_without_the_tick_stores_nothing_and_says_why(thread, mod_browser):
    before = row_counts()
    page = page_text(form_post(mod_browser, thread.path, to_idea=thread.unrelated), 422)
    assert "tick “Move anyway”" in page and UNRELATED_WARNING in page and f"Move to “{UNRELATED}”" in page
    assert row_counts() == before
    assert db.session.get(Comment, thread.comment).idea_id == thread.home


def test_an_unrelated_move_with_the_tick_moves(thread, mod_browser, run_jobs):
    response = form_post(mod_browser, thread.path, to_idea=thread.unrelated, confirm_unrelated="1")
    assert response.status_code == 302 and "/moderation/jobs/" in response.headers["Location"]
    run_jobs()
    db.session.commit()
    assert db.session.get(Comment, thread.comment).idea_id == thread.unrelated


def test_a_related_move_needs_no_tick(thread, mod_browser, run_jobs):
    response = form_post(mod_browser, thread.path, to_idea=thread.related)
    assert response.status_code == 302 and "/moderation/jobs/" in response.headers["Location"]
    run_jobs()
    db.session.commit()
    assert db.session.get(Comment, thread.comment).idea_id == thread.related


def test_a_move_into_a_new_idea_needs_no_tick(thread, mod_browser):
    response = form_post(mod_browser, thread.path, new_title="Covered bicycle parking")
    assert response.status_code == 302 and "/moderation/jobs/" in response.headers["Location"]
    assert moves_made() == 1


def test_a_refused_move_is_explained_without_a_tick(thread, mod_browser):
    page = page_text(form_post(mod_browser, thread.path, to_idea=thread.home), 422)
    assert "The comment is on that idea already." in page and "tick “Move anyway”" not in page
    assert moves_made() == 0
