"""A deactivated person's name beside what they wrote: kept by default, "Former employee" when the policy
says so (FORMER_STAFF_NAMES=hide), and always the real name on the admins' page. Nothing is deleted."""

import pytest

from accounts import services
from accounts.models import FORMER_EMPLOYEE
from core.extensions import db
from ideas import services as ideas


@pytest.fixture
def hide_names(app):
    app.config["FORMER_STAFF_NAMES"] = "hide"
    yield
    app.config["FORMER_STAFF_NAMES"] = "keep"


@pytest.fixture
def leaver_idea(users, make_user):
    leaver = make_user(name="Lena Leaver")
    idea = ideas.create_idea(leaver, {"title": "Quiet rooms on every floor", "body": "Somewhere to take calls."})
    ideas.add_comment(leaver, idea, {"body": "Two per floor would do."})
    services.set_active(users["admin"], leaver, False)
    db.session.commit()
    return idea


def shown(login_as, api, users, idea) -> tuple[str, dict]:
    page = login_as(users["staff"]).get(f"/ideas/{idea.id}").get_data(as_text=True)
    return page, api(users["staff"]).get(f"/api/v1/ideas/{idea.id}").get_json()


def test_by_default_the_name_stays(db, users, login_as, api, leaver_idea):
    page, answer = shown(login_as, api, users, leaver_idea)
    assert "Lena Leaver" in page and answer["author"]["name"] == "Lena Leaver"


def test_with_the_policy_the_name_becomes_former_employee_and_everything_stays(
    db, users, login_as, api, leaver_idea, hide_names
):
    page, answer = shown(login_as, api, users, leaver_idea)
    assert "Lena Leaver" not in page and page.count(FORMER_EMPLOYEE) >= 2  # the idea and the comment
    assert answer["author"]["name"] == FORMER_EMPLOYEE
    assert "Lena Leaver" in login_as(users["admin"]).get("/admin/users?q=Lena").get_data(as_text=True)
