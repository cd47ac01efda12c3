"""Every role and an anonymous caller on each foundation route."""

from urllib.parse import urlsplit

import pytest

from core import jobs
from tests.conftest import ROLES, csrf_token_from

EVERYONE = (*ROLES, None)
# Who may read a job someone else (a staff member) started: moderators and admins; 401 for strangers.
JOB_STATUS_FOR_OTHERS = {None: 401, "staff": 404, "executive": 404, "moderator": 200, "admin": 200}


def as_caller(app, make_user, login_as, role):
    """A client signed in with that role (with .csrf), or an anonymous one with the login page's CSRF token."""
    if role is not None:
        return login_as(make_user(role))
    browser = app.test_client()
    browser.csrf = csrf_token_from(browser.get("/login").get_data(as_text=True))
    return browser


def sent_to_login(response) -> bool:
    """True when the response redirects to the login page."""
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def finished_job_of(db, run_jobs, user) -> str:
    """The id of a finished job that `user` started."""
    record = jobs.enqueue("jobs.ping.run", 1, user_id=user.id)
    db.session.commit()
    run_jobs()
    return record.id


@pytest.mark.parametrize("role", EVERYONE)
def test_foundation_routes_for_each_caller(app, db, make_user, login_as, run_jobs, role):
    job_id = finished_job_of(db, run_jobs, make_user("staff"))
    browser = as_caller(app, make_user, login_as, role)
    signed_in = role is not None

    me = browser.get("/api/v1/me")
    assert me.status_code == (200 if signed_in else 401)
    assert browser.get(f"/api/v1/jobs/{job_id}").status_code == JOB_STATUS_FOR_OTHERS[role]
    for path in ("/", "/settings"):
        response = browser.get(path)
        assert (response.status_code == 200) if signed_in else sent_to_login(response), path

    created = browser.post("/settings/tokens", data={"name": "matrix", "csrf_token": browser.csrf})
    if signed_in:
        assert created.status_code == 200 and 'id="new-token"' in created.get_data(as_text=True)
    else:
        assert sent_to_login(created)

    assert browser.get("/login").status_code == 200
    assert sent_to_login(browser.post("/logout", data={"csrf_token": browser.csrf}))
    assert browser.get("/api/v1/me").status_code == 401
    assert sent_to_login(browser.get("/logout"))


def test_the_starter_of_a_job_may_read_it(db, make_user, login_as, run_jobs):
    starter = make_user("staff")
    job_id = finished_job_of(db, run_jobs, starter)
    assert login_as(starter).get(f"/api/v1/jobs/{job_id}").status_code == 200
