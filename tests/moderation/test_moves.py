"""Moving a comment with all its replies to another idea or into a new idea, the signpost it leaves, and undo."""

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core.extensions import db
from ideas import services as idea_services
from ideas.models import Comment
from moderation import moves
from moderation.models import CommentMove
from tests.moderation.support import (
    assert_error,
    audit_log,
    comment_on,
    form_post,
    new_idea,
    notifications,
    ok_json,
    row_counts,
    snapshot,
    stored,
    vote,
)


@pytest.fixture
def thread(make_user, moderator):
    """Idea `a` (department only) with a thread root <- reply <- moderator's reply <- deep reply, and a comment
    that stays; idea `b` with a comment of its own."""
    people = SimpleNamespace(root_author=make_user(name="Rita Root"), replier=make_user(), other=make_user())
    a = new_idea(make_user(), "Four-day week pilot", visibility="department")
    b = new_idea(make_user(), "Flexible hours for parents")
    root = comment_on(people.root_author, a.id, "What about *part-time* staff?")
    reply = comment_on(people.replier, a.id, "They should pick their day.", parent=root)
    mod_reply = comment_on(moderator, a.id, "Good point.", parent=reply)
    deep = comment_on(people.other, a.id, "Agreed.", parent=mod_reply)
    stays = comment_on(people.other, a.id, "Unrelated comment.")
    comment_on(people.other, b.id, "B's own comment.")
    return SimpleNamespace(
        a=a.id,
        b=b.id,
        b_title=b.title,
        root=root.id,
        reply=reply.id,
        mod_reply=mod_reply.id,
        deep=deep.id,
        stays=stays.id,
        moderator=moderator,
        **vars(people),
    )


def comments_by_id(client, idea_id: int) -> dict[int, dict]:
    """The idea's comments through the API, by id."""
    return {item["id"]: item for item in ok_json(client.get(f"/api/v1/ideas/{idea_id}/comments"))["items"]}


def move_id_of(job: dict) -> int:
    """The move a finished move job made."""
    return job["result"]["move_id"]


@pytest.fixture
def moved_to_b(thread, mod_api, finish):
    """The thread moved from a to b through the API; `.before` is the snapshot just before, `.job` the job."""
    thread.before = snapshot(thread.a, thread.b)
    thread.job = finish(mod_api.post(f"/api/v1/comments/{thread.root}/move", json={"to_idea": thread.b}), mod_api)
    return thread


def test_a_thread_moves_to_another_idea_with_parents_authors_and_times_kept(moved_to_b, mod_api):
    assert moved_to_b.job["result"]["idea_id"] == moved_to_b.b
    assert moved_to_b.job["result"]["moved"] == 4
    on_b = comments_by_id(mod_api, moved_to_b.b)
    before = {row[0]: row for row in moved_to_b.before["comments"]}
    moved = (moved_to_b.root, moved_to_b.reply, moved_to_b.mod_reply, moved_to_b.deep)
    expected_parents = {moved_to_b.root: None, moved_to_b.reply: moved_to_b.root}
    expected_parents |= {moved_to_b.mod_reply: moved_to_b.reply, moved_to_b.deep: moved_to_b.mod_reply}
    for comment_id in moved:
        item = on_b[comment_id]
        assert (item["idea_id"], item["parent_id"]) == (moved_to_b.b, expected_parents[comment_id])
        assert (item["author"]["id"], item["moved_from_idea_id"]) == (before[comment_id][3], moved_to_b.a)
    after = {row[0]: row for row in snapshot(moved_to_b.b)["comments"]}
    assert all(after[comment_id][7] == before[comment_id][7] for comment_id in moved)  # created_at kept
    assert stored(moved_to_b.a).comment_count == 1
    assert stored(moved_to_b.b).comment_count == 5


def test_a_signpost_stays_where_the_thread_was(moved_to_b, mod_api, login_as, users):
    left = comments_by_id(mod_api, moved_to_b.a)
    signposts = [item for item in left.values() if item["kind"] == "signpost"]
    assert set(left) == {moved_to_b.stays, signposts[0]["id"]}
    assert len(signposts) == 1 and signposts[0]["parent_id"] is None
    expected = rf"4 comments moved to: \[{moved_to_b.b_title}\]\(/ideas/{moved_to_b.b}\), by Moderator \d+"
    assert re.fullmatch(expected, signposts[0]["body"])
    page = login_as(users["staff"]).get(f"/ideas/{moved_to_b.a}").get_data(as_text=True)
    assert re.search(rf'class="signpost"[^>]*><p>4 comments moved to: <a href="[^"]*/ideas/{moved_to_b.b}"', page)


def test_the_moved_comments_authors_are_notified_but_not_the_moderator(moved_to_b):
    authors = (moved_to_b.root_author, moved_to_b.replier, moved_to_b.other)
    assert notifications("comment_moved") == sorted((user.id, moved_to_b.b) for user in authors)


def test_the_move_is_audited(moved_to_b):
    (entry,) = audit_log("move_comments")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (moved_to_b.moderator.id, "comment", moved_to_b.root)
    assert (entry.details["from_idea"], entry.details["to_idea"]) == (moved_to_b.a, moved_to_b.b)
    assert sorted(entry.details["moved"]) == [moved_to_b.root, moved_to_b.reply, moved_to_b.mod_reply, moved_to_b.deep]


def test_undo_puts_the_thread_back_exactly(moved_to_b, mod_api, finish):
    job = finish(mod_api.post(f"/api/v1/moves/{move_id_of(moved_to_b.job)}/undo"), mod_api)
    assert job["result"]["idea_id"] == moved_to_b.a
    assert snapshot(moved_to_b.a, moved_to_b.b) == moved_to_b.before
    (entry,) = audit_log("undo_move")
    assert (entry.details["from_idea"], entry.details["to_idea"]) == (moved_to_b.b, moved_to_b.a)


def test_undo_of_a_second_move_restores_where_the_first_one_left_it(moved_to_b, make_user, mod_api, finish):
    c = new_idea(make_user())
    between = snapshot(moved_to_b.a, moved_to_b.b, c.id)
    job = finish(mod_api.post(f"/api/v1/comments/{moved_to_b.root}/move", json={"to_idea": c.id}), mod_api)
    finish(mod_api.post(f"/api/v1/moves/{move_id_of(job)}/undo"), mod_api)
    assert snapshot(moved_to_b.a, moved_to_b.b, c.id) == between


@pytest.fixture
def spun_off(thread, mod_api, finish):
    """The reply (with its two levels of replies) moved into a new idea; `.before` and `.new` (its id)."""
    thread.before = snapshot(thread.a)
    payload = {"new_idea": {"title": "Part-time staff choose their day off"}}
    thread.job = finish(mod_api.post(f"/api/v1/comments/{thread.reply}/move", json=payload), mod_api)
    thread.new = thread.job["result"]["idea_id"]
    return thread


def test_a_reply_becomes_a_new_idea_with_its_replies_as_comments(spun_off, mod_api):
    idea = ok_json(mod_api.get(f"/api/v1/ideas/{spun_off.new}"))
    assert (idea["title"], idea["body"]) == ("Part-time staff choose their day off", "They should pick their day.")
    assert (idea["author"]["id"], idea["visibility"], idea["vote_count"]) == (spun_off.replier.id, "department", 1)
    comments = comments_by_id(mod_api, spun_off.new)
    assert {comment_id: item["parent_id"] for comment_id, item in comments.items()} == {
        spun_off.mod_reply: None,
        spun_off.deep: spun_off.mod_reply,
    }
    assert {item["idea_id"] for item in comments.values()} == {spun_off.new}
    created = {row[0]: row[7] for row in spun_off.before["comments"]}
    moved = {row[0]: row[7] for row in snapshot(spun_off.new)["comments"]}
    assert moved == {spun_off.mod_reply: created[spun_off.mod_reply], spun_off.deep: created[spun_off.deep]}
    assert db.session.get(Comment, spun_off.reply) is None
    assert stored(spun_off.new).comment_count == 2


def test_the_new_idea_keeps_the_department_visibility(spun_off, api, make_user):
    assert_error(api(make_user(department="Finance")).get(f"/api/v1/ideas/{spun_off.new}"), 404, "not_found")
    ok_json(api(make_user(department="Engineering")).get(f"/api/v1/ideas/{spun_off.new}"))


def test_the_spin_off_leaves_a_signpost_under_the_old_parent_and_notifies(spun_off, mod_api):
    left = comments_by_id(mod_api, spun_off.a)
    (signpost_id,) = set(left) - {spun_off.root, spun_off.stays}
    signpost = left[signpost_id]
    assert (signpost["kind"], signpost["parent_id"]) == ("signpost", spun_off.root)
    assert signpost["body"].startswith("3 comments moved to: [Part-time staff choose their day off]")
    assert stored(spun_off.a).comment_count == 2
    expected = {spun_off.replier.id, spun_off.other.id}
    assert notifications("comment_moved") == sorted((user_id, spun_off.new) for user_id in expected)


def test_undo_of_a_spin_off_restores_the_thread_and_removes_the_idea(spun_off, mod_api, finish):
    finish(mod_api.post(f"/api/v1/moves/{move_id_of(spun_off.job)}/undo"), mod_api)
    assert snapshot(spun_off.a) == spun_off.before
    assert_error(mod_api.get(f"/api/v1/ideas/{spun_off.new}"), 404, "not_found")


@pytest.mark.parametrize("activity", ["vote", "comment"])
def test_undo_of_a_spin_off_others_took_part_in_is_refused(spun_off, mod_api, make_user, activity):
    newcomer = make_user()
    if activity == "vote":
        vote(newcomer, spun_off.new)
    else:
        comment_on(newcomer, spun_off.new, "Love it.")
    before = row_counts()
    error = assert_error(mod_api.post(f"/api/v1/moves/{move_id_of(spun_off.job)}/undo"), 409, "not_undoable")
    assert "votes or comments of its own" in error["message"]
    assert row_counts() == before


def test_undo_refused_by_the_job_when_a_vote_came_in_meanwhile(spun_off, moderator, make_user, run_jobs):
    voter, idea = make_user(), stored(spun_off.new)
    move = db.session.get(CommentMove, move_id_of(spun_off.job))
    job = moves.request_undo(moderator, move)
    idea_services.vote(voter, idea)
    db.session.commit()  # the vote lands before the undo job runs
    run_jobs()
    db.session.refresh(job)
    assert job.status == "failed" and "votes or comments of its own" in job.error
    assert stored(spun_off.new) is not None
    assert db.session.get(CommentMove, move.id).state == "done"


def test_moving_from_the_page_goes_to_the_job_page(thread, login_as, run_jobs):
    browser = login_as(thread.moderator)
    form = browser.get(f"/moderation/comments/{thread.reply}/move").get_data(as_text=True)
    assert 'name="new_title"' in form and 'name="q"' in form
    response = form_post(browser, f"/moderation/comments/{thread.reply}/move", new_title="A spin-off idea")
    assert response.status_code == 302 and "/moderation/jobs/" in response.headers["Location"]
    run_jobs()
    assert db.session.scalar(select(CommentMove.state)) == "done"


REFUSED_MOVES = [
    pytest.param(lambda t: t.stays, lambda t: {"to_idea": t.a}, 422, "validation_error", id="to-the-same-idea"),
    pytest.param(lambda t: t.stays, lambda t: {"to_idea": 999_999}, 422, "validation_error", id="to-no-idea"),
    pytest.param(lambda t: t.stays, lambda t: {"to_idea": str(t.b)}, 422, "validation_error", id="to-a-non-number"),
    pytest.param(lambda t: t.stays, lambda t: {"new_idea": {"title": "x"}}, 422, "validation_error", id="short-title"),
    pytest.param(lambda t: t.stays, lambda t: {}, 422, "validation_error", id="nowhere"),
    pytest.param(lambda t: 999_999, lambda t: {"to_idea": t.b}, 404, "not_found", id="no-such-comment"),
]


@pytest.mark.parametrize(("comment", "payload", "status", "code"), REFUSED_MOVES)
def test_a_refused_move_says_why_and_stores_nothing(thread, mod_api, comment, payload, status, code):
    comment_id, payload = comment(thread), payload(thread)
    before = row_counts()
    assert_error(mod_api.post(f"/api/v1/comments/{comment_id}/move", json=payload), status, code)
    assert row_counts() == before


def test_a_signpost_cannot_be_moved_and_nothing_moves_into_a_merged_idea(moved_to_b, make_user, mod_api, finish):
    signpost = max(comments_by_id(mod_api, moved_to_b.a))
    before = row_counts()
    assert_error(mod_api.post(f"/api/v1/comments/{signpost}/move", json={"to_idea": moved_to_b.b}), 409, "not_movable")
    assert row_counts() == before
    target = new_idea(make_user())
    finish(mod_api.post(f"/api/v1/ideas/{moved_to_b.b}/merge", json={"into": target.id}), mod_api)
    before = row_counts()
    response = mod_api.post(f"/api/v1/comments/{moved_to_b.stays}/move", json={"to_idea": moved_to_b.b})
    assert_error(response, 409, "idea_merged")
    assert row_counts() == before
