"""`flask --app wsgi users create …` and `flask --app wsgi tokens create …`, exactly as API.md names them."""

from sqlalchemy import func, select

from accounts.models import Department, User
from tests.conftest import PASSWORD, ApiClient, login
from tests.core.support import run_flask


def invoke(app, *args: str):
    """Run a flask CLI command in the test's app."""
    return app.test_cli_runner().invoke(args=list(args))


def create_user_args(email: str, password: str = PASSWORD, *extra: str) -> list[str]:
    """The arguments of `users create` for a user called Carla."""
    return ["users", "create", "--email", email, "--name", "Carla CLI", "--password", password, *extra]


def user_by_email(db, email: str) -> User | None:
    """The stored user with that e-mail address."""
    db.session.commit()
    return db.session.scalar(select(User).where(User.email == email))


def test_users_create_with_role_and_new_department(app, db, client):
    extra = ("--role", "moderator", "--department", "Legal")
    result = invoke(app, *create_user_args("carla@example.test", PASSWORD, *extra))
    assert result.exit_code == 0, result.output
    user = user_by_email(db, "carla@example.test")
    assert (user.name, user.role, user.department.name) == ("Carla CLI", "moderator", "Legal")
    assert login(client, "carla@example.test").status_code == 302


def test_users_create_defaults_to_staff(app, db):
    assert invoke(app, *create_user_args("plain@example.test")).exit_code == 0
    assert user_by_email(db, "plain@example.test").role == "staff"


def test_users_create_reuses_an_existing_department(app, db, make_user):
    make_user(department="Legal")
    assert invoke(app, *create_user_args("second@example.test", PASSWORD, "--department", "Legal")).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Department).where(Department.name == "Legal")) == 1


def test_users_create_refuses_an_existing_email(app, db, make_user):
    existing = make_user(email="taken@example.test", name="First Owner")
    result = invoke(app, *create_user_args("TAKEN@example.test"))
    assert result.exit_code != 0
    assert "taken@example.test" in result.output and "exists" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert user_by_email(db, "taken@example.test").name == existing.name


def test_users_create_refuses_a_short_password(app, db):
    result = invoke(app, *create_user_args("short@example.test", "eleven-char"))
    assert result.exit_code != 0
    assert "password" in result.output.lower()
    assert user_by_email(db, "short@example.test") is None


def test_users_create_refuses_an_unknown_role(app, db):
    result = invoke(app, *create_user_args("role@example.test", PASSWORD, "--role", "overlord"))
    assert result.exit_code != 0
    assert user_by_email(db, "role@example.test") is None


def test_tokens_create_prints_only_a_working_token(app, make_user):
    user = make_user()
    result = invoke(app, "tokens", "create", "--email", user.email)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    me = ApiClient(app.test_client(), lines[0]).get("/api/v1/me")
    assert me.status_code == 200 and me.get_json()["id"] == user.id


def test_tokens_create_for_an_unknown_email_fails(app):
    result = invoke(app, "tokens", "create", "--email", "ghost@example.test")
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "ghost@example.test" in result.output


def test_tokens_create_as_a_real_process(app, db, make_user):
    user = make_user()
    db.session.commit()
    environment = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    result = run_flask("tokens", "create", "--email", user.email, env=environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\n")
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].strip() == lines[0] and lines[0]
    me = ApiClient(app.test_client(), lines[0]).get("/api/v1/me")
    assert me.status_code == 200 and me.get_json()["email"] == user.email
