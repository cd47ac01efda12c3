"""An account's life: deactivation, password change and reset, sessions that expire, tokens that expire or only read."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from accounts import services
from accounts.models import ApiToken, LoginSession
from core.audit import AuditEntry
from core.extensions import db
from core.timeutil import as_utc, utcnow
from tests.conftest import PASSWORD, ApiClient, csrf_token_from, login
from tests.core.support import run_flask

NEW_PASSWORD = "a much better passphrase"
RESET_LINK = re.compile(r"http://ideapool\.test(/password-reset/[\w.\-]+)")


def signed_in_as(browser) -> int | None:
    response = browser.get("/api/v1/me")
    return response.get_json()["id"] if response.status_code == 200 else None


def form_post(browser, path: str, **fields):
    token = csrf_token_from(browser.get("/settings").get_data(as_text=True))
    return browser.post(path, data={"csrf_token": token, **fields})


def audit_actions(user_id: int) -> list[str]:
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.target_id == user_id).order_by(AuditEntry.id))
    return [entry.action for entry in entries]


# --- deactivation -------------------------------------------------------------------------------------


def test_a_deactivated_user_is_signed_out_and_their_tokens_end_at_once(users, login_as, api, client):
    staff = users["staff"]
    browser, token_client = login_as(staff), api(staff)
    assert signed_in_as(browser) == staff.id and token_client.get("/api/v1/me").status_code == 200
    admin = login_as(users["admin"])
    assert form_post(admin, f"/admin/users/{staff.id}/active", active="0").status_code == 302
    assert signed_in_as(browser) is None
    assert token_client.get("/api/v1/me").status_code == 401
    assert login(client, staff.email).status_code == 200 and signed_in_as(client) is None
    assert "deactivated" in admin.get("/admin/users").get_data(as_text=True)

    assert form_post(admin, f"/admin/users/{staff.id}/active", active="1").status_code == 302
    assert login(client, staff.email).status_code == 302 and signed_in_as(client) == staff.id
    assert token_client.get("/api/v1/me").status_code == 401  # ended tokens stay ended
    assert audit_actions(staff.id) == ["user_deactivate", "user_activate"]


def test_only_admins_deactivate_and_nobody_deactivates_themselves(users, login_as):
    staff = login_as(users["moderator"])
    assert form_post(staff, f"/admin/users/{users['staff'].id}/active", active="0").status_code == 403
    admin = login_as(users["admin"])
    form_post(admin, f"/admin/users/{users['admin'].id}/active", active="0")
    assert signed_in_as(admin) == users["admin"].id
    assert audit_actions(users["admin"].id) == []


# --- password change, sign out everywhere ---------------------------------------------------------------


def test_changing_the_password_signs_out_the_other_sessions(users, login_as, client):
    staff = users["staff"]
    here, elsewhere = login_as(staff), login_as(staff)
    wrong = form_post(here, "/settings/password", current_password="not it at all", new_password=NEW_PASSWORD)
    assert wrong.status_code == 422 and "That is not your current password." in wrong.get_data(as_text=True)
    short = form_post(here, "/settings/password", current_password=PASSWORD, new_password="short")
    assert short.status_code == 422 and "at least 12 characters" in short.get_data(as_text=True)
    assert signed_in_as(elsewhere) == staff.id  # nothing changed yet

    assert (
        form_post(here, "/settings/password", current_password=PASSWORD, new_password=NEW_PASSWORD).status_code == 302
    )
    assert signed_in_as(here) == staff.id
    assert signed_in_as(elsewhere) is None
    assert login(client, staff.email, PASSWORD).status_code == 200
    assert login(client, staff.email, NEW_PASSWORD).status_code == 302


def test_sign_out_everywhere_ends_every_session(users, login_as):
    staff = users["staff"]
    here, elsewhere = login_as(staff), login_as(staff)
    assert form_post(here, "/settings/sessions/end").status_code == 302
    assert signed_in_as(here) is None and signed_in_as(elsewhere) is None


# --- password reset by e-mail -----------------------------------------------------------------------------


def ask_for_a_reset(client, email: str):
    token = csrf_token_from(client.get("/password-reset").get_data(as_text=True))
    return client.post("/password-reset", data={"email": email, "csrf_token": token})


def reset_link(smtp, address: str) -> str:
    (message,) = smtp.to(address)
    return RESET_LINK.search(message.get_body(preferencelist=("plain",)).get_content()).group(1)


def test_a_reset_link_by_e_mail_sets_a_new_password_once(users, client, smtp, run_jobs, login_as):
    staff = users["staff"]
    other_session = login_as(staff)
    assert ask_for_a_reset(client, staff.email).status_code == 302
    assert ask_for_a_reset(client, "nobody@example.test").status_code == 302  # the same answer
    run_jobs()
    assert smtp.recipients() == [staff.email]
    link = reset_link(smtp, staff.email)
    token = csrf_token_from(client.get(link).get_data(as_text=True))
    too_short = client.post(link, data={"new_password": "short", "csrf_token": token})
    assert too_short.status_code == 422
    assert client.post(link, data={"new_password": NEW_PASSWORD, "csrf_token": token}).status_code == 302
    assert signed_in_as(other_session) is None  # every session ends
    assert login(client, staff.email, NEW_PASSWORD).status_code == 302
    assert client.get(link).status_code == 404  # spent: the password it was made for is gone
    assert "expired or was used already" in client.get(link).get_data(as_text=True)


def test_a_reset_link_expires(users, client, smtp, run_jobs, app, monkeypatch):
    ask_for_a_reset(client, users["staff"].email)
    run_jobs()
    link = reset_link(smtp, users["staff"].email)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MINUTES", -1)
    assert client.get(link).status_code == 404
    assert client.get("/password-reset/forged-token").status_code == 404


def test_no_reset_mail_for_a_deactivated_user(users, client, smtp, run_jobs):
    users["staff"].active = False
    db.session.commit()
    ask_for_a_reset(client, users["staff"].email)
    run_jobs()
    assert smtp.messages == []


# --- sessions expire ------------------------------------------------------------------------------------


def age_sessions(user, **ages) -> None:
    values = {column: utcnow() - age for column, age in ages.items()}
    db.session.execute(update(LoginSession).where(LoginSession.user_id == user.id).values(**values))
    db.session.commit()


@pytest.mark.parametrize(
    "ages",
    [
        {"last_seen_at": timedelta(hours=12, minutes=1)},  # idle too long
        {"created_at": timedelta(days=30, minutes=1), "last_seen_at": timedelta(minutes=1)},  # too old, though busy
    ],
    ids=["idle", "absolute"],
)
def test_a_session_expires_idle_or_at_its_age_limit(users, login_as, ages):
    browser = login_as(users["staff"])
    age_sessions(users["staff"], **ages)
    assert signed_in_as(browser) is None


def test_a_busy_session_is_kept_alive_and_its_use_is_written_sparingly(users, login_as):
    browser = login_as(users["staff"])
    age_sessions(users["staff"], last_seen_at=timedelta(hours=11))
    assert signed_in_as(browser) == users["staff"].id
    (seen,) = db.session.scalars(select(LoginSession.last_seen_at)).all()
    assert utcnow() - as_utc(seen) < timedelta(minutes=1)  # renewed
    age_sessions(users["staff"], last_seen_at=timedelta(minutes=2))
    signed_in_as(browser)
    (kept,) = db.session.scalars(select(LoginSession.last_seen_at)).all()
    assert utcnow() - as_utc(kept) >= timedelta(minutes=2)  # not rewritten on every request


# --- tokens that expire, tokens that only read -------------------------------------------------------------


def test_a_token_past_its_expiry_is_refused(users, app):
    token = services.create_token(users["staff"], "short-lived", days=1)
    db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = ApiClient(app.test_client(), token).get("/api/v1/me")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"


def test_a_read_only_token_reads_but_never_writes(users, login_as, app):
    browser = login_as(users["staff"])
    token = csrf_token_from(browser.get("/settings").get_data(as_text=True))
    page = browser.post(
        "/settings/tokens", data={"name": "dashboard", "days": "30", "read_only": "y", "csrf_token": token}
    ).get_data(as_text=True)
    secret = re.search(r'<code class="token" id="new-token">([^<]+)</code>', page).group(1)
    assert "read-only" in page
    (stored,) = db.session.scalars(select(ApiToken)).all()
    assert (
        stored.read_only and 29 <= (stored.expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)).days <= 30
    )
    reader = ApiClient(app.test_client(), secret)
    assert reader.get("/api/v1/ideas").status_code == 200
    refused = reader.post("/api/v1/ideas", json={"title": "Not with this token", "body": "."})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "read_only_token"


def test_the_cli_creates_expiring_and_read_only_tokens(app, users, base_config):
    result = run_flask(
        "tokens", "create", "--email", users["staff"].email, "--days", "7", "--read-only",
        env={"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    db.session.commit()
    (stored,) = db.session.scalars(select(ApiToken)).all()
    assert stored.read_only and stored.expires_at is not None
    assert result.stdout.strip().startswith("ipat_")
