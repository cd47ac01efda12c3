"""The response form after publishing: it shows the idea's new status, and the page opens at its message."""

import re

from sqlalchemy import func, select

from core.extensions import db
from ideas.models import Idea, Response
from tests.notifications.support import new_idea


def test_after_publishing_the_form_shows_the_new_status_and_the_page_opens_at_the_top(users, login_as):
    idea = new_idea(users["staff"], title="Standing desks for every floor")
    executive = login_as(users["executive"])
    page = executive.get(f"/ideas/{idea.id}")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    answer = executive.post(
        f"/ideas/{idea.id}/respond", data={"csrf_token": token.group(1), "status": "planned", "body": "From May."}
    )
    assert answer.status_code == 302 and "#" not in answer.headers["Location"]
    html = executive.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert re.search(r'<option selected value="planned">|<option value="planned" selected>', html)


def _answer(client, idea_id: int, **fields):
    return client.post(f"/ideas/{idea_id}/respond", data={"csrf_token": client.csrf, **fields})


def test_moving_an_idea_back_asks_first_and_stores_nothing_until_confirmed(users, login_as):
    idea = new_idea(users["staff"], title="Bike racks by the north entrance")
    executive = login_as(users["executive"])
    assert _answer(executive, idea.id, status="planned", body="Ordered.").status_code == 302
    asked = _answer(executive, idea.id, status="under_review", body="Supplier fell through.")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "This moves the idea back from Planned to Under review." in html
    assert "Supplier fell through." in html  # what was written is kept
    db.session.rollback()
    assert db.session.get(Idea, idea.id).status == "planned"
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    confirmed = _answer(executive, idea.id, status="under_review", body="Supplier fell through.", confirm_back="y")
    assert confirmed.status_code == 302
    db.session.rollback()
    assert db.session.get(Idea, idea.id).status == "under_review"


def test_moving_forward_needs_no_confirmation(users, login_as):
    idea = new_idea(users["staff"], title="Showers for cyclists")
    executive = login_as(users["executive"])
    assert _answer(executive, idea.id, status="planned", body="Yes.").status_code == 302
    assert _answer(executive, idea.id, status="in_progress", body="Started.").status_code == 302
    db.session.rollback()
    assert db.session.get(Idea, idea.id).status == "in_progress"
