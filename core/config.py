"""Configuration from the environment variables of the interface contract (docs/operations.md)."""

import os
import secrets
from pathlib import Path

MAX_BODY_BYTES = 1024 * 1024


def _secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(instance_path: str) -> str:
    """Return DATABASE_URL, or a SQLite file in the instance folder."""
    return _normalised_url(os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'ideapool.sqlite'}")


def _normalised_url(url: str | None) -> str | None:
    """postgres:// and postgresql:// URLs get the psycopg driver SQLAlchemy needs."""
    if url is None:
        return None
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def from_environment(instance_path: str) -> dict:
    """Build the Flask config mapping from the process environment."""
    base_url = os.environ.get("BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '5000')}").rstrip("/")
    redis_url = os.environ.get("REDIS_URL") or None
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "DATABASE_REPLICA_URL": _normalised_url(os.environ.get("DATABASE_REPLICA_URL") or None),
        "REPLICA_LAG_SECONDS": int(os.environ.get("REPLICA_LAG_SECONDS", "10")),
        "REDIS_URL": redis_url,
        "SMTP_URL": os.environ.get("SMTP_URL") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM", "ideapool@localhost"),
        "SMTP_CONNECTIONS": int(os.environ.get("SMTP_CONNECTIONS", "4")),
        "EMAIL_JOBS": int(os.environ.get("EMAIL_JOBS", "4")),
        # Calibrated on labelled pairs by `python -m bench.queue_threshold` (docs/similarity.md).
        "DUPLICATE_MIN_SCORE": float(os.environ.get("DUPLICATE_MIN_SCORE", "0.17")),
        "DUPLICATE_PRECISION_FLOOR": float(os.environ.get("DUPLICATE_PRECISION_FLOOR", "0.85")),
        "DUPLICATE_MIN_LABELS": int(os.environ.get("DUPLICATE_MIN_LABELS", "30")),
        "BASE_URL": base_url,
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        # Networks outgoing calls (webhooks) may reach although they are not public, e.g. "10.1.2.0/24".
        "OUTBOUND_ALLOWED_NETWORKS": tuple(
            part.strip() for part in os.environ.get("OUTBOUND_ALLOWED_NETWORKS", "").split(",") if part.strip()
        ),
        # How many proxies (load balancer, ingress) stand in front of the app and set X-Forwarded-For.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "SERVER_TIMING": os.environ.get("SERVER_TIMING", "0") == "1",
        # GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>` when set; unset, it answers anyone.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        # "text" (the default) or "json": one JSON object per log line (core/logs.py).
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Redis down: count in this process instead, and never fail a request over a limit's storage.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        "MAX_CONTENT_LENGTH": MAX_BODY_BYTES,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "JOB_QUEUES": ("high", "default", "low"),
        # A login session ends after this long unused, and at the latest this many days after sign-in.
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", str(12 * 60))),
        "SESSION_MAX_DAYS": int(os.environ.get("SESSION_MAX_DAYS", "30")),
        "PASSWORD_RESET_MINUTES": 60,  # how long a password-reset link works (once)
        # Sign-in back-off per account and client address: free failures, then a doubling wait.
        "LOGIN_FREE_FAILURES": 5,
        "LOGIN_BACKOFF_SECONDS": 30,
        "LOGIN_BACKOFF_MAX_SECONDS": 15 * 60,
        # "keep": a deactivated person's name stays beside what they wrote; "hide": "Former employee" instead.
        "FORMER_STAFF_NAMES": _one_of("FORMER_STAFF_NAMES", ("keep", "hide")),
        **_single_sign_on(),
    }


def _one_of(name: str, choices: tuple[str, ...]) -> str:
    """A variable that takes one of a few words (the first is the default)."""
    value = os.environ.get(name) or choices[0]
    if value not in choices:
        raise ValueError(f"{name} is {value!r}: use one of {', '.join(choices)}")
    return value


def _words(name: str, default: str = "") -> tuple[str, ...]:
    """A variable's comma-separated values, trimmed, empty ones left out."""
    return tuple(part.strip() for part in os.environ.get(name, default).split(",") if part.strip())


def _single_sign_on() -> dict:
    """OpenID Connect sign-in (accounts/sso.py, docs/operations.md); off while OIDC_ISSUER is unset."""
    return {
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", "").rstrip("/") or None,
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID") or None,
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET") or None,
        "OIDC_SCOPES": os.environ.get("OIDC_SCOPES") or "openid email profile",
        "OIDC_NAME": os.environ.get("OIDC_NAME") or "single sign-on",
        "OIDC_DEPARTMENT_CLAIM": os.environ.get("OIDC_DEPARTMENT_CLAIM") or "department",
        "OIDC_ALLOWED_DOMAINS": tuple(domain.lower().lstrip("@") for domain in _words("OIDC_ALLOWED_DOMAINS")),
        "OIDC_TRUST_EMAILS": os.environ.get("OIDC_TRUST_EMAILS", "0") == "1",
        "OIDC_GROUPS_CLAIM": os.environ.get("OIDC_GROUPS_CLAIM") or "groups",
        "OIDC_ROLE_GROUPS": _role_groups(_words("OIDC_ROLE_GROUPS")),
        "LOCAL_LOGIN": os.environ.get("LOCAL_LOGIN", "1") != "0",
    }


def _role_groups(pairs: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """OIDC_ROLE_GROUPS, e.g. "admin=ideapool-admins,moderator=ideapool-moderators": role -> its groups
    (accounts/sso.py checks the roles when the app starts)."""
    roles: dict[str, tuple[str, ...]] = {}
    for pair in pairs:
        role, _, group = (part.strip() for part in pair.partition("="))
        roles[role] = (*roles.get(role, ()), group)
    return roles
