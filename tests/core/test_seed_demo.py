"""`flask --app wsgi seed-demo`: the demo organisation, loaded idempotently."""

import logging

from sqlalchemy import func, select

from accounts.demo import DEMO_USERS, demo_password
from accounts.models import User
from tests.conftest import login


def seed(app, *options: str):
    """Run seed-demo in the test's app; the command must succeed."""
    result = app.test_cli_runner().invoke(args=["seed-demo", *options])
    assert result.exit_code == 0, result.output
    return result


def users_with_email(db, email: str) -> int:
    """How many users have that e-mail address."""
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email))


def user_count(db) -> int:
    """How many users exist."""
    return db.session.scalar(select(func.count()).select_from(User))


def test_seed_demo_twice_creates_each_demo_user_once(app, db, client):
    seed(app)
    seed(app)
    for email, name, role, department in DEMO_USERS:
        assert users_with_email(db, email) == 1
        user = db.session.scalar(select(User).where(User.email == email))
        assert (user.name, user.role, user.department.name) == (name, role, department)
    assert {role for _email, _name, role, _department in DEMO_USERS} == {"staff", "moderator", "executive", "admin"}


def test_demo_passwords_sign_in(app, db):
    seed(app)
    for email, _name, role, _department in DEMO_USERS:
        browser = app.test_client()
        assert login(browser, email, demo_password(role)).status_code == 302, email
        assert browser.get("/api/v1/me").get_json()["role"] == role


def test_first_start_seeds_an_empty_database(app, db):
    seed(app, "--first-start")
    assert user_count(db) >= len(DEMO_USERS)
    assert users_with_email(db, DEMO_USERS[0][0]) == 1


def test_first_start_leaves_a_database_with_users_alone(app, db, make_user):
    make_user("admin")
    result = seed(app, "--first-start")
    assert user_count(db) == 1
    assert all(users_with_email(db, email) == 0 for email, *_rest in DEMO_USERS)
    assert "not seeded" in result.output


def test_seeding_the_demo_keeps_its_mail_and_notifications_out_of_the_log(app, db, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    caplog.set_level(logging.INFO)
    result = seed(app)
    assert [record.getMessage() for record in caplog.records if record.levelno < logging.WARNING] == []
    assert result.output.strip().splitlines()[-1] == "Demo organisation ready. Sign-ins are listed in README.md."
