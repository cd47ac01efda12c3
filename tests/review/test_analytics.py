"""The executives' analytics: participation per department, the status funnel, response times, the CSV."""

import csv
import io
from datetime import timedelta

from core import cache
from core.extensions import db
from core.timeutil import utcnow
from ideas import reads, services
from review import analytics, responses
from tests.ideas.pages_support import add_comment, make_idea, page, set_idea


def _by_department(report: dict) -> dict[str, dict]:
    return {line["department"]: line for line in report["participation"]}


def test_participation_counts_each_person_once_per_kind_of_activity(users, make_user):
    engineering = [users["staff"], make_user(), make_user()]
    finance = [users["outsider"], make_user(department="Finance")]
    first = make_idea(engineering[0])
    make_idea(engineering[0])  # a second idea by the same person
    make_idea(finance[0])
    add_comment(engineering[1], first)
    add_comment(engineering[1], first)
    services.vote(finance[1], first)
    services.vote(engineering[1], first)
    db.session.commit()
    reads.record_read(engineering[2].id, first.id)
    reads.record_read(engineering[2].id, first.id)
    db.session.commit()  # end the test's snapshot: the reads were written on a connection of their own
    lines = _by_department(analytics.report())
    assert lines["Engineering"]["posters"] == 1  # the author, however many ideas
    assert lines["Engineering"]["commenters"] == 1
    assert lines["Engineering"]["voters"] == 2  # the author's own vote counts, and a colleague's
    assert lines["Engineering"]["readers"] == 1
    assert lines["Finance"] == {
        "department": "Finance",
        "staff": 2,
        "posters": 1,
        "commenters": 0,
        "voters": 2,
        "readers": 0,
    }
    assert lines["Engineering"]["staff"] == 2 + 4  # two made here, four of the users fixture's roles


def test_the_funnel_follows_responses_merges_and_hiding(users):
    ideas = [make_idea(users["staff"]) for _ in range(4)]
    responses.respond(users["executive"], ideas[0], {"status": "planned", "body": "Yes."})
    db.session.commit()
    set_idea(ideas[1].id, status="merged", merged_into_id=ideas[2].id)
    funnel = dict(analytics.report()["funnel"])
    assert (funnel["open"], funnel["planned"], funnel["merged"], funnel["done"]) == (2, 1, 1, 0)


def test_response_times_and_the_longest_waits(users):
    now = utcnow()
    old, answered, fresh = (make_idea(users["staff"]) for _ in range(3))
    set_idea(old.id, created_at=now - timedelta(days=30), vote_count=5)
    set_idea(answered.id, created_at=now - timedelta(days=10))
    set_idea(fresh.id, vote_count=3)
    responses.respond(users["executive"], answered, {"status": "done", "body": "Done."})
    db.session.commit()
    report = analytics.report(now)
    assert report["response_times"]["answered"] == 1
    assert 9.9 <= report["response_times"]["median_days"] <= 10.1
    assert [idea.id for idea in report["waiting"]] == [old.id, fresh.id]


def test_ideas_per_week_covers_twelve_weeks_oldest_first(users):
    now = utcnow()
    for days_ago in (0, 1, 8, 200):
        set_idea(make_idea(users["staff"]).id, created_at=now - timedelta(days=days_ago))
    weeks = analytics.report(now)["weeks"]
    assert len(weeks) == analytics.WEEKS and weeks == sorted(weeks)
    assert sum(count for _, count in weeks) == 3  # the idea of 200 days ago is outside the window


def test_the_csv_never_hands_a_spreadsheet_a_formula(login_as, users, make_user):
    """Titles and department names that start like a formula come out as text (a leading quote)."""
    starts = ["=", "+", "-", "@", "\t"]
    poster = make_user(department='=HYPERLINK("http://evil.example","Engineering")')
    for start in starts:
        idea = make_idea(poster, title=f'{start}HYPERLINK("http://evil.example")')
        set_idea(idea.id, vote_count=50)
    client = login_as(users["executive"])
    rows = list(csv.reader(io.StringIO(client.get("/analytics.csv").get_data(as_text=True))))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    titles = {row[2] for row in rows if row[0] == "waiting_longest"}
    assert {f'\'{start}HYPERLINK("http://evil.example")' for start in starts if start != "\t"} <= titles
    assert any(cell == '\'=HYPERLINK("http://evil.example","Engineering")' for cell in cells)


def test_the_page_and_the_csv_show_the_same_figures(login_as, users):
    make_idea(users["staff"], title="Better coffee")
    client = login_as(users["executive"])
    assert "<h1>Analytics</h1>" in page(client, "/analytics")
    rows = list(csv.reader(io.StringIO(client.get("/analytics.csv").get_data(as_text=True))))
    assert rows[0] == ["section", "key", "value"]
    assert ["status_funnel", "open", "1"] in rows
    assert ["participation_posters", "Engineering", "1"] in rows


def test_the_aggregates_are_kept_for_five_minutes_and_the_waits_are_live(users):
    first = make_idea(users["staff"])
    set_idea(first.id, vote_count=4)
    kept = analytics.report()
    make_idea(users["outsider"])
    again = analytics.report()
    assert again["computed_at"] == kept["computed_at"] and dict(again["funnel"])["open"] == 1
    later = make_idea(users["outsider"])
    set_idea(later.id, vote_count=9)
    assert [idea.id for idea in analytics.report()["waiting"]] == [first.id, later.id]
    cache.forget(analytics.FIGURES_KEY)
    assert dict(analytics.report()["funnel"])["open"] == 3
