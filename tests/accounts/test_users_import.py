"""`flask --app wsgi users import FILE`: accounts from a CSV file, idempotent, with a dry run, a report of what
changed, and every bad line named with nothing stored."""

from sqlalchemy import func, select

from accounts.models import ApiToken, LoginSession, User
from accounts.services import create_token
from core.audit import AuditEntry
from core.extensions import db
from tests.accounts.test_cli import invoke

ROSTER = """email,name,department,role,active
Ada@Example.test,Ada Lovelace,Research,moderator,
grace@example.test,Grace Hopper,,,yes
"""


def write(tmp_path, text: str, name: str = "people.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def accounts() -> dict[str, tuple]:
    db.session.commit()
    users = db.session.scalars(select(User).order_by(User.email))
    return {user.email: (user.name, user.department.name, user.role, user.active) for user in users}


def test_an_import_creates_the_accounts_and_says_so(app, db, tmp_path):
    result = invoke(app, "users", "import", write(tmp_path, ROSTER))
    assert result.exit_code == 0, result.output
    assert accounts() == {
        "ada@example.test": ("Ada Lovelace", "Research", "moderator", True),
        "grace@example.test": ("Grace Hopper", "General", "staff", True),
    }
    assert "created ada@example.test" in result.output and "Imported: 2 created, 0 updated" in result.output
    assert count(AuditEntry, AuditEntry.action == "user_provisioned") == 2


def test_importing_the_same_file_again_changes_nothing(app, db, tmp_path):
    path = write(tmp_path, ROSTER)
    invoke(app, "users", "import", path)
    before = accounts()
    result = invoke(app, "users", "import", path)
    assert result.exit_code == 0 and "0 created, 0 updated, 0 deactivated, 2 unchanged" in result.output
    assert accounts() == before


def test_changed_fields_are_updated_and_empty_cells_leave_them(app, db, tmp_path, make_user):
    make_user("executive", department="Finance", email="grace@example.test", name="G. Hopper")
    result = invoke(app, "users", "import", write(tmp_path, ROSTER))
    assert "updated grace@example.test: name" in result.output
    assert accounts()["grace@example.test"] == ("Grace Hopper", "Finance", "executive", True)


def test_a_dry_run_reports_and_stores_nothing(app, db, tmp_path):
    result = invoke(app, "users", "import", "--dry-run", write(tmp_path, ROSTER))
    assert result.exit_code == 0
    assert "would create ada@example.test" in result.output and "Dry run, nothing stored: 2 created" in result.output
    assert accounts() == {}


def test_every_bad_line_is_named_and_nothing_is_stored(app, db, tmp_path):
    text = ROSTER + "not-an-address,Someone,,,\nbob@example.test,,,boss,maybe\ngrace@example.test,Grace Again,,,\n"
    result = invoke(app, "users", "import", write(tmp_path, text))
    assert result.exit_code == 1
    assert "line 4: the e-mail address 'not-an-address' is not valid" in result.output
    assert "line 5: the name is empty" in result.output
    assert "line 5: the role 'boss' is not one of staff, moderator, executive, admin" in result.output
    assert "line 5: active is 'maybe': write yes or no" in result.output
    assert "line 6: grace@example.test is on line 3 already" in result.output
    assert "nothing was imported" in result.output and accounts() == {}


def test_a_header_without_the_required_columns_is_refused(app, db, tmp_path):
    result = invoke(app, "users", "import", write(tmp_path, "mail,full name\nada@example.test,Ada\n"))
    assert result.exit_code == 1
    assert "the header has no column `email`" in result.output and "unknown columns mail, full name" in result.output


def test_leavers_are_deactivated_their_sessions_and_tokens_end_admins_stay(app, db, tmp_path, users, login_as):
    leaver = users["staff"]
    browser = login_as(leaver)
    create_token(leaver, "script")
    db.session.commit()
    result = invoke(app, "users", "import", "--deactivate-missing", write(tmp_path, ROSTER))
    assert result.exit_code == 0, result.output
    assert f"deactivated {leaver.email}" in result.output
    status = accounts()
    assert status[leaver.email][3] is False and status[users["admin"].email][3] is True
    assert count(LoginSession, LoginSession.user_id == leaver.id) == 0
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == leaver.id)).revoked_at is not None
    assert browser.get("/api/v1/me").status_code == 401
