"""Accounts from single sign-on (services.user_for_person): made just in time, linked to an existing account
only when the provider confirmed the address, never duplicated, kept in line with the provider."""

import pytest
from sqlalchemy import func, select

from accounts import services, sso
from accounts.models import ExternalIdentity, User
from core.audit import AuditEntry
from core.extensions import db

ISSUER = "https://id.example.test"


def person(subject="s-1", email="ada@example.test", verified=True, name="Ada Lovelace", department="Research",
           groups=()) -> sso.Person:  # fmt: skip
    return sso.Person(ISSUER, subject, email, verified, name, department, tuple(groups))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def actions() -> list[str]:
    return [entry.action for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


@pytest.fixture
def role_groups(app):
    app.config["OIDC_ROLE_GROUPS"] = {"admin": ("ideapool-admins",), "moderator": ("mods", "stewards")}
    yield
    app.config["OIDC_ROLE_GROUPS"] = {}


def test_the_first_sign_in_makes_the_account_from_the_claims(db):
    user = services.user_for_person(person())
    assert (user.email, user.name, user.department.name, user.role) == (
        "ada@example.test",
        "Ada Lovelace",
        "Research",
        "staff",
    )
    assert services.authenticate("ada@example.test", "", "203.0.113.1") is None  # no password works
    assert actions() == ["user_provisioned", "identity_linked"]


def test_the_next_sign_in_finds_the_same_account_even_with_a_new_address(db):
    first = services.user_for_person(person())
    db.session.commit()
    again = services.user_for_person(person(email="ada.king@example.test", name="Ada King", department="Maths"))
    assert again.id == first.id and count(User) == 1 and count(ExternalIdentity) == 1
    assert (again.email, again.name, again.department.name) == ("ada.king@example.test", "Ada King", "Maths")


def test_an_existing_account_with_the_confirmed_address_is_linked_not_duplicated(db, make_user):
    local = make_user(email="ada@example.test")
    users_before = count(User)
    assert services.user_for_person(person()).id == local.id
    assert count(User) == users_before and count(ExternalIdentity) == 1


def test_an_unconfirmed_address_of_an_existing_account_is_refused_and_stores_nothing(db, make_user):
    make_user(email="ada@example.test")
    with pytest.raises(sso.SignInFailed, match="has not confirmed"):
        services.user_for_person(person(verified=False))
    db.session.rollback()
    assert count(ExternalIdentity) == 0


def test_a_deactivated_account_cannot_sign_in(db, make_user, users):
    local = make_user(email="ada@example.test")
    services.set_active(users["admin"], local, False)
    db.session.commit()
    with pytest.raises(sso.SignInFailed, match="deactivated"):
        services.user_for_person(person())


def test_roles_follow_the_groups_when_they_are_mapped(db, role_groups):
    user = services.user_for_person(person(groups=["stewards"]))
    assert user.role == "moderator"
    db.session.commit()
    assert services.user_for_person(person(groups=["ideapool-admins", "mods"])).role == "admin"
    assert services.user_for_person(person(groups=[])).role == "staff"
    assert actions().count("role_change") == 2


def test_without_a_mapping_admins_keep_assigning_roles(db, make_user, users):
    user = services.user_for_person(person(groups=["ideapool-admins"]))
    services.change_role(users["admin"], user, "executive")
    db.session.commit()
    assert services.user_for_person(person(groups=[])).role == "executive"
