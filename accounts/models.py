"""Users, departments, login sessions and personal access tokens."""

from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.timeutil import utcnow

ROLES = ("staff", "moderator", "executive", "admin")
FORMER_EMPLOYEE = "Former employee"  # how a deactivated person is shown when FORMER_STAFF_NAMES=hide
EMAIL_PREFERENCES = ("immediate", "digest", "never")


class Department(db.Model):
    """A part of the organisation; every user belongs to one."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LoginFailure(db.Model):
    """Failed sign-ins into one account from one client address, counted until a sign-in succeeds."""

    __tablename__ = "login_failures"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(UserMixin, db.Model):
    """A person who signs in. Roles are not a ladder: admin has every right, the others their own."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES}", name="role"),
        CheckConstraint(f"email_preference IN {EMAIL_PREFERENCES}", name="email_preference"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="staff")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # How notifications reach the user by e-mail: at once (default), in the daily digest, or never.
    email_preference: Mapped[str] = mapped_column(String(10), default="immediate", server_default="immediate")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    department: Mapped[Department] = relationship(lazy="select")  # loaded where shown (settings, admin, API /me)

    # Set by the login machinery: the token of the login session this request belongs to.
    session_token = None

    def get_id(self) -> str | None:
        """Flask-Login keeps the login session's token in the cookie, not the user id."""
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, role: str) -> bool:
        """True for that role and for admins."""
        return self.role == role or self.role == "admin"

    @property
    def is_moderator(self) -> bool:
        return self.has_role("moderator")

    @property
    def is_executive(self) -> bool:
        return self.has_role("executive")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def shown_name(self) -> str:
        """The name shown beside what the person wrote or did: "Former employee" once they are deactivated,
        when the organisation's policy says so (FORMER_STAFF_NAMES=hide); admin pages show the real name."""
        if not self.active and current_app.config.get("FORMER_STAFF_NAMES") == "hide":
            return FORMER_EMPLOYEE
        return self.name

    def summary(self) -> dict:
        """The short form the API embeds: id and the shown name."""
        return {"id": self.id, "name": self.shown_name}


class ExternalIdentity(db.Model):
    """An account at the organisation's identity provider (OpenID Connect), linked to one user: known by
    the provider's issuer and subject, which stay the same when the person's e-mail address changes."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_external_identities_issuer_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(db.Model):
    """A signed-in browser. Logging out deletes it, so no copy of the cookie works afterwards."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(String(255))
    # The ID token of a single sign-on, for signing out at the provider (kept here: it may not fit a cookie).
    id_token: Mapped[str | None] = mapped_column(Text)


class ApiToken(db.Model):
    """A personal access token; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="token")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # None: never
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
