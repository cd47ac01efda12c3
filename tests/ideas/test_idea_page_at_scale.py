"""The idea page of a much-discussed idea: comments in pages, reads counted without a write per view."""

import os
import re

import pytest
from sqlalchemy import func, insert, select

from core.extensions import db
from core.redis_client import redis_connection
from core.sanitize import render_markdown
from ideas import reads, views
from ideas.models import Comment, IdeaRead
from tests.ideas.pages_support import make_idea, page, set_idea

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL: reads are buffered in Redis")


def _comment_ids(html: str) -> list[int]:
    return [int(number) for number in re.findall(r'<li class="comment" id="comment-(\d+)"', html)]


def _add_comments(idea, author, how_many: int) -> list[int]:
    rows = [
        {"idea_id": idea.id, "author_id": author.id, "body": f"Point {n}", "body_html": render_markdown(f"Point {n}")}
        for n in range(how_many)
    ]
    ids = list(db.session.scalars(insert(Comment).returning(Comment.id), rows))
    db.session.commit()
    return ids


def _next_link(html: str) -> str | None:
    match = re.search(r'href="([^"]*comments_after=[^"]*)"[^>]*>Show more comments', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_a_long_discussion_is_shown_in_pages_that_together_hold_every_comment(login_as, users, monkeypatch):
    monkeypatch.setattr(views, "COMMENTS_PER_PAGE", 4)
    idea = make_idea(users["staff"])
    ids = _add_comments(idea, users["outsider"], 10)
    client = login_as(users["staff"])
    url, seen, pages = f"/ideas/{idea.id}", [], 0
    while url:
        html = page(client, url)
        shown = _comment_ids(html)
        assert len(shown) <= 4
        seen += shown
        pages += 1
        url = _next_link(html)
        assert (url is None) == (len(seen) == len(ids))
    assert seen == ids and pages == 3


def test_comments_of_a_merged_idea_are_paged_with_the_targets_own(login_as, users, monkeypatch):
    monkeypatch.setattr(views, "COMMENTS_PER_PAGE", 3)
    target, source = make_idea(users["staff"]), make_idea(users["outsider"])
    own = _add_comments(target, users["staff"], 2)
    carried = _add_comments(source, users["outsider"], 2)
    set_idea(source.id, status="merged", merged_into_id=target.id)
    client = login_as(users["staff"])
    first = page(client, f"/ideas/{target.id}")
    second = page(client, _next_link(first))
    assert sorted(_comment_ids(first) + _comment_ids(second)) == sorted(own + carried)
    assert "Merged from:" in first + second


def test_a_thousand_comments_keep_the_page_small(login_as, users):
    idea = make_idea(users["staff"])
    _add_comments(idea, users["outsider"], 1000)
    html = page(login_as(users["staff"]), f"/ideas/{idea.id}")
    assert len(_comment_ids(html)) == views.COMMENTS_PER_PAGE
    assert len(html.encode()) < 200_000


def test_a_bad_comments_cursor_shows_the_first_comments(login_as, users):
    idea = make_idea(users["staff"])
    ids = _add_comments(idea, users["staff"], 2)
    client = login_as(users["staff"])
    for bad in ("x", "-3", str(10**30), "0"):
        assert _comment_ids(page(client, f"/ideas/{idea.id}?comments_after={bad}")) == ids


def _readers(idea_id: int) -> set[int]:
    db.session.commit()
    return set(db.session.scalars(select(IdeaRead.user_id).where(IdeaRead.idea_id == idea_id)))


def test_reads_are_counted_once_per_person_by_the_time_analytics_count_them(app, login_as, users):
    idea = make_idea(users["staff"])
    for reader in (users["outsider"], users["moderator"], users["outsider"]):
        page(login_as(reader), f"/ideas/{idea.id}")
    reads.flush()  # what the analytics do before counting
    assert _readers(idea.id) == {users["outsider"].id, users["moderator"].id}
    assert db.session.scalar(select(func.count()).select_from(IdeaRead)) == 2


@needs_redis
@pytest.mark.redis
def test_with_redis_a_view_writes_no_row_until_a_flush(app, login_as, users):

    idea = make_idea(users["staff"])
    client = login_as(users["outsider"])
    redis_connection().set(reads.FLUSH_MARK_KEY, 1, ex=60)  # a flush just happened
    page(client, f"/ideas/{idea.id}")
    assert _readers(idea.id) == set()
    assert reads.flush() == 1
    assert _readers(idea.id) == {users["outsider"].id}


@needs_redis
@pytest.mark.redis
def test_marks_of_a_deleted_idea_do_not_block_the_others(app, login_as, users):

    kept, deleted = make_idea(users["staff"]), make_idea(users["staff"])
    redis_connection().set(reads.FLUSH_MARK_KEY, 1, ex=60)
    client = login_as(users["outsider"])
    page(client, f"/ideas/{kept.id}")
    page(client, f"/ideas/{deleted.id}")
    db.session.delete(deleted)
    db.session.commit()
    reads.flush()
    assert _readers(kept.id) == {users["outsider"].id}
