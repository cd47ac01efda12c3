"""Account services without HTTP: creating users, passwords, roles."""

import pytest
from werkzeug.security import check_password_hash

from accounts import services
from accounts.models import LoginFailure
from core.errors import ApiError
from tests.conftest import PASSWORD


def refused_fields(**kwargs) -> dict:
    """The invalid fields create_user names for these arguments."""
    arguments = {"email": "new@example.test", "name": "New Person", "password": PASSWORD, **kwargs}
    with pytest.raises(ApiError) as raised:
        services.create_user(**arguments)
    assert raised.value.status == 422
    return raised.value.fields


def test_password_of_eleven_characters_is_refused(db):
    assert set(refused_fields(password="x" * (services.MIN_PASSWORD_LENGTH - 1))) == {"password"}
    assert services.find_user("new@example.test") is None


def test_password_of_twelve_characters_is_accepted(db):
    assert services.MIN_PASSWORD_LENGTH == 12
    user = services.create_user("new@example.test", "New Person", "x" * 12)
    assert check_password_hash(user.password_hash, "x" * 12)
    assert user.password_hash != "x" * 12


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"email": "not-an-address"}, "email"), ({"name": "  "}, "name"), ({"role": "overlord"}, "role")],
)
def test_invalid_fields_are_named(db, arguments, field):
    assert field in refused_fields(**arguments)


def test_email_is_stored_lower_case_and_unique(db):
    services.create_user("Mixed@Example.Test", "Mixed Case", PASSWORD)
    with pytest.raises(ApiError) as raised:
        services.create_user("mixed@example.test", "Again", PASSWORD)
    assert raised.value.status == 409
    assert services.find_user("MIXED@example.test").email == "mixed@example.test"


def test_department_is_created_once(db):
    first = services.create_user("a@example.test", "A", PASSWORD, department="Legal")
    second = services.create_user("b@example.test", "B", PASSWORD, department="Legal")
    assert first.department_id == second.department_id


def test_roles_are_not_a_ladder(make_user):
    moderator, executive, admin = make_user("moderator"), make_user("executive"), make_user("admin")
    assert moderator.is_moderator and not moderator.is_executive
    assert executive.is_executive and not executive.is_moderator
    assert admin.is_moderator and admin.is_executive and admin.is_admin


def test_authenticate_counts_failures_per_client_and_a_success_clears_them(db, make_user):
    user = make_user()

    def failures(client: str) -> int | None:
        db.session.commit()
        record = db.session.get(LoginFailure, (user.id, client))
        return record.failures if record else None

    assert services.authenticate(user.email, "wrong password!", "10.0.0.1") is None
    assert services.authenticate(user.email, "wrong password!", "10.0.0.1") is None
    assert services.authenticate(user.email, "wrong password!", "10.0.0.2") is None
    assert (failures("10.0.0.1"), failures("10.0.0.2")) == (2, 1)
    assert services.authenticate(user.email, PASSWORD, "10.0.0.1").id == user.id
    assert (failures("10.0.0.1"), failures("10.0.0.2")) == (None, 1)


def test_role_change_is_audited(db, make_user):
    from core.audit import AuditEntry

    admin, user = make_user("admin"), make_user("staff")
    services.change_role(admin, user, "moderator")
    entry = db.session.query(AuditEntry).one()
    assert (entry.actor_id, entry.action, entry.target_id) == (admin.id, "role_change", user.id)
    assert entry.details == {"before": {"role": "staff"}, "after": {"role": "moderator"}}
