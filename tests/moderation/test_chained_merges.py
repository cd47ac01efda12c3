"""Chained merges: A into B, then B into C — A's comments and votes reach C, and the counts agree."""

from sqlalchemy import func, select

from ideas.models import Comment


def _post(client, title: str) -> int:
    """Post an idea and return its id."""
    return client.post("/api/v1/ideas", json={"title": title}).json["id"]


def _merge(moderator, source: int, target: int, run_jobs) -> None:
    """Merge source into target and run the job."""
    assert moderator.post(f"/api/v1/ideas/{source}/merge", json={"into": target}).status_code == 202
    run_jobs()


def test_comments_of_a_chain_reach_the_last_idea(users, api, run_jobs, db):
    staff, moderator = api(users["staff"]), api(users["moderator"])
    a, b, c = (_post(staff, title) for title in ("Idea A about chairs", "Idea B about desks", "Idea C about lamps"))
    for idea, text in ((a, "on A"), (b, "on B"), (c, "on C")):
        assert staff.post(f"/api/v1/ideas/{idea}/comments", json={"body": text}).status_code == 201
    _merge(moderator, a, b, run_jobs)
    _merge(moderator, b, c, run_jobs)
    shown = [item["body"] for item in staff.get(f"/api/v1/ideas/{c}/comments").json["items"]]
    assert sorted(shown) == ["on A", "on B", "on C"]
    stored = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.kind == "comment"))
    assert staff.get(f"/api/v1/ideas/{c}").json["comment_count"] == stored == 3
    page = _page_of(users, c)
    assert "Idea A about chairs" in page and "Idea B about desks" in page


def _page_of(users, idea_id: int) -> str:
    """The idea page as the moderator sees it."""
    from flask import current_app

    from tests.conftest import login

    browser = current_app.test_client()
    login(browser, users["moderator"].email)
    return browser.get(f"/ideas/{idea_id}").get_data(as_text=True)
