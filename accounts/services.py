"""The only place that changes accounts: users, logins, sessions and tokens. Flushes, never commits."""

import hashlib
import math
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from accounts import roster, sso
from accounts.models import (
    EMAIL_PREFERENCES,
    ROLES,
    ApiToken,
    Department,
    ExternalIdentity,
    LoginFailure,
    LoginSession,
    User,
)
from core import audit, jobs
from core.errors import ApiError, validation_error
from core.extensions import db
from core.sanitize import one_line
from core.sql import insert_or_update
from core.timeutil import as_utc, utcnow

MIN_PASSWORD_LENGTH = 12
SESSION_TOUCH_SECONDS = 300  # a session's last use is written at most this often
MAX_PASSWORD_LENGTH = 256
TOKEN_PREFIX = "ipat_"
# A hash to compare against when the e-mail is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-at-all")


def hash_password(password: str) -> str:
    """The stored form of a password (scrypt unless PASSWORD_HASH_METHOD says otherwise, e.g. in tests)."""
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def hash_token(token: str) -> str:
    """The stored form of a session or access token."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively."""
    return email.strip().lower()


def password_problems(password: str) -> list[str]:
    """Why a password is not acceptable (empty when it is)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"Use at least {MIN_PASSWORD_LENGTH} characters."]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"Use at most {MAX_PASSWORD_LENGTH} characters."]
    return []


def get_or_create_department(name: str) -> Department:
    """The department of that name, created if new."""
    department = db.session.scalar(select(Department).where(Department.name == name))
    if department is None:
        department = Department(name=name)
        db.session.add(department)
        db.session.flush()
    return department


def find_user(email: str) -> User | None:
    """The user with that e-mail address, if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, name: str, password: str, role: str = "staff", department: str = "General") -> User:
    """Create a user after checking every field; raises a 422 (or 409 for a taken e-mail)."""
    fields = {}
    if "@" not in email or len(email) > 254:
        fields["email"] = ["Enter a valid e-mail address."]
    if not one_line(name):
        fields["name"] = ["Enter a name."]
    if role not in ROLES:
        fields["role"] = [f"Choose one of: {', '.join(ROLES)}."]
    if problems := password_problems(password):
        fields["password"] = problems
    if fields:
        raise validation_error(fields)
    if find_user(email):
        raise ApiError(409, f"A user with e-mail {normalise_email(email)} exists already.", "email_taken")
    user = User(
        email=normalise_email(email),
        name=one_line(name),
        password_hash=hash_password(password),
        role=role,
        department=get_or_create_department(one_line(department) or "General"),
    )
    db.session.add(user)
    db.session.flush()
    return user


def user_for_person(person: sso.Person) -> User:
    """The account of someone the identity provider vouches for: the one linked to their provider account,
    else the one with their e-mail address (linked now, if the provider confirmed the address), else a new
    one (just in time). Name, e-mail, department and, when OIDC_ROLE_GROUPS maps them, the role follow the
    provider at every sign-in. sso.SignInFailed when the account is deactivated or cannot be linked."""
    identity = db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == person.issuer, ExternalIdentity.subject == person.subject
        )
    )
    user = db.session.get(User, identity.user_id) if identity else _user_to_link(person)
    if not user.active:
        raise sso.SignInFailed("This account is deactivated. Ask an administrator if that is a mistake.", 403)
    if identity is None:
        identity = ExternalIdentity(user_id=user.id, issuer=person.issuer, subject=person.subject)
        db.session.add(identity)
        audit.record(None, "identity_linked", "user", user.id, issuer=person.issuer)
    identity.last_sign_in_at = utcnow()
    _follow_provider(user, person)
    db.session.flush()
    return user


def _user_to_link(person: sso.Person) -> User:
    """The existing account with the person's e-mail address, or a new one."""
    user = find_user(person.email)
    if user is not None and not person.email_verified:
        raise sso.SignInFailed(
            f"An account with the address {person.email} exists already, and the sign-in service has not "
            "confirmed that this address is yours, so it cannot be linked. Ask an administrator.",
            403,
        )
    if user is not None:
        return user
    name = one_line(person.name)[:120] or person.email[:120]
    return _new_account(person.email, name, person.department, sso.role_for(person.groups), "OpenID Connect")


def _new_account(email: str, name: str, department: str | None, role: str | None, source: str, active=True) -> User:
    """An account the organisation's directory makes (single sign-on, an import): its password is one nobody
    knows, so the person signs in through the provider or sets one by resetting it. Audit-logged."""
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(secrets.token_urlsafe(32)),
        role=role or "staff",
        department=get_or_create_department(one_line(department or "")[:120] or "General"),
        active=active,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(None, "user_provisioned", "user", user.id, after={"role": user.role}, source=source)
    return user


def _follow_provider(user: User, person: sso.Person) -> None:
    """Bring the account in line with what the provider says of the person."""
    if person.email != user.email and find_user(person.email) is None:
        user.email = person.email
    name = one_line(person.name)[:120] or user.name
    _follow_directory(user, name, person.department, sso.role_for(person.groups), "OpenID Connect groups")


def _follow_directory(user: User, name: str, department: str | None, role: str | None, source: str) -> list[str]:
    """Give the account the name, and the department and role when given, that the organisation's directory
    (single sign-on, an import) says; the names of the fields that changed. Role changes are audit-logged."""
    changed = []
    if name != user.name:
        user.name = name
        changed.append("name")
    department = one_line(department or "")[:120]
    if department and department != user.department.name:
        user.department = get_or_create_department(department)
        changed.append("department")
    if role and role != user.role:
        before, user.role = user.role, role
        audit.record(None, "role_change", "user", user.id, before={"role": before}, after={"role": role},
                     source=source)  # fmt: skip
        changed.append("role")
    return changed


def import_people(people: list[roster.Person], deactivate_missing: bool = False) -> roster.Report:
    """Bring the accounts in line with a checked roster: new people get an account (no password anyone
    knows: they sign in by single sign-on or reset it), others get the fields that differ; with
    `deactivate_missing`, active accounts not on the roster are deactivated, admins excepted. Audit-logged,
    as the directory's doing (no actor). Every account is read once, in one query."""
    report = roster.Report()
    accounts = {user.email: user for user in db.session.scalars(select(User).order_by(User.id))}
    for person in people:
        user = accounts.get(person.email)
        name = one_line(person.name)[:120]
        if user is None:
            _new_account(person.email, name, person.department, person.role, "CSV import", person.active is not False)
            report.created.append(person.email)
            continue
        changed = _follow_directory(user, name, person.department, person.role, "CSV import")
        if person.active is not None and person.active != user.active:
            set_active(None, user, person.active)
            changed.append("active")
        if changed:
            report.updated[person.email] = changed
        else:
            report.unchanged += 1
    if deactivate_missing:
        listed = {person.email for person in people}
        for email, user in accounts.items():
            if email not in listed and user.active and user.role != "admin":
                set_active(None, user, False)
                report.deactivated.append(email)
    db.session.flush()
    return report


def change_role(actor: User, user: User, role: str) -> None:
    """An admin changes someone's role; audit-logged."""
    if role not in ROLES:
        raise validation_error({"role": [f"Choose one of: {', '.join(ROLES)}."]})
    before = user.role
    user.role = role
    audit.record(actor, "role_change", "user", user.id, before={"role": before}, after={"role": role})
    db.session.flush()


def _backoff_remaining(user: User, client: str) -> int:
    """Seconds this client must wait before trying this account again (0 when it need not).

    The first LOGIN_FREE_FAILURES failures cost nothing; from then on each failure doubles the wait,
    from LOGIN_BACKOFF_SECONDS up to LOGIN_BACKOFF_MAX_SECONDS. Other clients are not slowed down,
    so nobody can lock an owner out of their account by guessing wrong on purpose.
    """
    config = current_app.config
    record = db.session.get(LoginFailure, (user.id, client))
    if record is None or record.failures < config["LOGIN_FREE_FAILURES"]:
        return 0
    doublings = min(record.failures - config["LOGIN_FREE_FAILURES"], 30)
    wait = min(config["LOGIN_BACKOFF_MAX_SECONDS"], config["LOGIN_BACKOFF_SECONDS"] * 2**doublings)
    until = as_utc(record.last_failed_at) + timedelta(seconds=wait)
    return max(0, math.ceil((until - utcnow()).total_seconds()))


class LoginThrottled(Exception):
    """Too many failed sign-ins into this account from this client; try again after `seconds`."""

    def __init__(self, seconds: int):
        wait = f"{math.ceil(seconds / 60)} minutes" if seconds >= 120 else f"{seconds} seconds"
        super().__init__(f"Too many failed sign-in attempts. Try again in {wait}.")
        self.seconds = seconds


def _count_failure(user: User, client: str) -> None:
    row = {"user_id": user.id, "client": client, "failures": 1, "last_failed_at": utcnow()}
    table = LoginFailure.__table__
    changes = {"failures": table.c.failures + 1, "last_failed_at": utcnow()}
    db.session.execute(insert_or_update(table, row, ["user_id", "client"], changes))


def authenticate(email: str, password: str, client: str) -> User | None:
    """The user if the password is right; failures slow down this client for this account (see above)."""
    user = find_user(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if seconds := _backoff_remaining(user, client):
        raise LoginThrottled(seconds)
    if user.active and check_password_hash(user.password_hash, password):
        db.session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id, LoginFailure.client == client))
        return user
    _count_failure(user, client)
    return None


def start_login_session(user: User, user_agent: str | None, id_token: str | None = None) -> str:
    """Open a new login session for the user and return its token (kept in the signed cookie); `id_token`:
    the provider's, when single sign-on opened it."""
    token = secrets.token_urlsafe(32)
    login = LoginSession(token_hash=hash_token(token), user_id=user.id, user_agent=(user_agent or "")[:255])
    login.id_token = id_token
    db.session.add(login)
    db.session.flush()
    user.session_token = token
    return token


def _session_expired(login: LoginSession, now) -> bool:
    config = current_app.config
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(days=config["SESSION_MAX_DAYS"])
    last_seen = as_utc(login.last_seen_at or login.created_at)
    return now - last_seen > idle or now - as_utc(login.created_at) > absolute


def user_for_session(token: str) -> User | None:
    """The user of a live login session: not idle longer than SESSION_IDLE_MINUTES, not older than
    SESSION_MAX_DAYS. Its last use is written at most every SESSION_TOUCH_SECONDS, not on every request."""
    row = db.session.execute(
        select(User, LoginSession)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    user, login = row
    now = utcnow()
    if _session_expired(login, now):
        db.session.execute(delete(LoginSession).where(LoginSession.id == login.id))
        return None
    if now - as_utc(login.last_seen_at or login.created_at) > timedelta(seconds=SESSION_TOUCH_SECONDS):
        login.last_seen_at = now
    user.session_token = token
    return user


def end_login_session(token: str | None) -> str | None:
    """Delete a login session so that its cookie no longer works anywhere; returns the ID token it was
    opened with by single sign-on, if it was."""
    if not token:
        return None
    where = LoginSession.token_hash == hash_token(token)
    id_token = db.session.scalar(select(LoginSession.id_token).where(where))
    db.session.execute(delete(LoginSession).where(where))
    return id_token


def end_all_sessions(user: User, keep_token: str | None = None) -> int:
    """Sign the user out everywhere (but in the session of keep_token); returns how many sessions ended."""
    statement = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token:
        statement = statement.where(LoginSession.token_hash != hash_token(keep_token))
    return len(db.session.execute(statement.returning(LoginSession.id)).all())


TOKEN_LIFETIMES = (None, 30, 90, 365)  # days a token may live; None: until revoked


def create_token(user: User, name: str = "token", days: int | None = None, read_only: bool = False) -> str:
    """Create a personal access token and return it; only its hash is kept. It may expire after `days`
    and may be read-only (it can then only GET)."""
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650):
        raise validation_error({"days": ["A token lives from 1 to 3,650 days, or until revoked."]})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=days) if days else None
    db.session.add(
        ApiToken(
            user_id=user.id,
            name=name[:100] or "token",
            token_hash=hash_token(token),
            prefix=token[:12],
            expires_at=expires_at,
            read_only=read_only,
        )
    )
    db.session.flush()
    return token


def token_grant(token: str) -> tuple[User, bool] | None:
    """(owner, read-only?) of a live personal access token: not revoked, not expired, of an active user."""
    row = db.session.execute(
        select(User, ApiToken.read_only, ApiToken.expires_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row[0].active or (row.expires_at is not None and as_utc(row.expires_at) <= utcnow()):
        return None
    return row[0], row.read_only


def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of the user's tokens (admins may revoke anyone's)."""
    statement = update(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
    if not user.is_admin:
        statement = statement.where(ApiToken.user_id == user.id)
    return db.session.execute(statement.values(revoked_at=utcnow())).rowcount == 1


def set_email_preference(user: User, preference: str) -> None:
    """immediate | digest | never."""
    if preference not in EMAIL_PREFERENCES:
        raise validation_error({"email_preference": [f"Choose one of: {', '.join(EMAIL_PREFERENCES)}."]})
    user.email_preference = preference
    db.session.flush()


def revoke_all_tokens(actor: User, user: User) -> int:
    """An admin revokes every live token of a user (audit-logged); returns how many."""
    count = _revoke_live_tokens(user)
    audit.record(actor, "revoke_tokens", "user", user.id, count=count)
    return count


def set_active(actor: User | None, user: User, active: bool) -> None:
    """An admin (None: the organisation's directory, an import) deactivates or reactivates a user;
    deactivating ends their sessions and tokens at once."""
    if actor is not None and user.id == actor.id and not active:
        raise ApiError(409, "You cannot deactivate your own account.", "conflict")
    if user.active == active:
        return
    user.active = active
    ended = {}
    if not active:
        ended = {"sessions": end_all_sessions(user), "tokens": _revoke_live_tokens(user)}
    audit.record(
        actor, "user_activate" if active else "user_deactivate", "user", user.id,
        before={"active": not active}, after={"active": active}, **ended,
    )  # fmt: skip
    db.session.flush()


def _revoke_live_tokens(user: User) -> int:
    statement = update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    return len(db.session.execute(statement.values(revoked_at=utcnow()).returning(ApiToken.id)).all())


def change_password(user: User, current: str, new: str) -> int:
    """The user's new password, after the current one; every other session of theirs ends (returns how many)."""
    if not check_password_hash(user.password_hash, current or ""):
        raise validation_error({"current_password": ["That is not your current password."]})
    _set_password(user, new)
    return end_all_sessions(user, keep_token=user.session_token)


def _set_password(user: User, password: str) -> None:
    if problems := password_problems(password or ""):
        raise validation_error({"new_password": problems})
    user.password_hash = hash_password(password)
    db.session.flush()


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="ideapool-password-reset")


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password does: a reset link works once, and not after any other change."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def password_reset_token(user: User) -> str:
    """A signed link token that resets this user's password, once, within PASSWORD_RESET_MINUTES."""
    return _reset_serializer().dumps({"user": user.id, "password": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The user a reset token is for, while it is unused, unexpired and the user active; else None."""
    max_age = current_app.config["PASSWORD_RESET_MINUTES"] * 60
    try:
        claims = _reset_serializer().loads(token, max_age=max_age)
        user = db.session.get(User, int(claims["user"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or not user.active or claims.get("password") != _password_fingerprint(user):
        return None
    return user


def request_password_reset(email: str) -> None:
    """Send a reset link to that address when it belongs to an active user (the answer never says whether)."""
    user = find_user(email)
    if user is not None and user.active:
        jobs.enqueue("jobs.accounts.send_password_reset", user.id, queue="high")


def reset_password(token: str, new: str) -> User:
    """Set a new password from a reset link; the link is spent and every session of the user ends."""
    user = user_for_reset_token(token)
    if user is None:
        raise ApiError(404, "This reset link has expired or was used already. Ask for a new one.", "not_found")
    _set_password(user, new)
    end_all_sessions(user)
    db.session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id))
    return user
