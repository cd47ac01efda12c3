"""Configuration from the environment, and the app factory that uses it."""

import pytest

from core import config, create_app
from tests.core.support import built_app

CONTRACT_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "SMTP_URL",
    "MAIL_FROM",
    "BASE_URL",
    "RATELIMIT_ENABLED",
    "PORT",
)


@pytest.fixture
def clean_env(monkeypatch):
    """No contract variable set; returns monkeypatch to set some."""
    for name in CONTRACT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_without_any_variable(clean_env, tmp_path):
    settings = config.from_environment(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'ideapool.sqlite'}"
    assert settings["REDIS_URL"] is None
    assert settings["SMTP_URL"] is None
    assert settings["MAIL_FROM"] == "ideapool@localhost"
    assert settings["BASE_URL"] == "http://127.0.0.1:5000"
    assert settings["RATELIMIT_ENABLED"] is True
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_the_default_base_url_follows_the_port(clean_env, tmp_path):
    clean_env.setenv("PORT", "5051")
    assert config.from_environment(str(tmp_path))["BASE_URL"] == "http://127.0.0.1:5051"
    clean_env.setenv("BASE_URL", "https://ideas.example.org/")
    assert config.from_environment(str(tmp_path))["BASE_URL"] == "https://ideas.example.org"


def test_secret_key_is_generated_once_and_kept(clean_env, tmp_path):
    first = config.from_environment(str(tmp_path))["SECRET_KEY"]
    second = config.from_environment(str(tmp_path))["SECRET_KEY"]
    assert len(first) >= 32
    assert second == first
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_each_instance_gets_its_own_secret_key(clean_env, tmp_path):
    one = config.from_environment(str(tmp_path / "one"))["SECRET_KEY"]
    other = config.from_environment(str(tmp_path / "other"))["SECRET_KEY"]
    assert one != other


def test_secret_key_from_the_environment_wins(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", "from-the-environment")
    assert config.from_environment(str(tmp_path))["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.example:5432/ideas", "postgresql+psycopg://u:p@db.example:5432/ideas"),
        ("postgresql://u:p@db.example/ideas", "postgresql+psycopg://u:p@db.example/ideas"),
        ("postgresql+psycopg://u@db.example/ideas", "postgresql+psycopg://u@db.example/ideas"),
        ("sqlite:////var/lib/ideapool.sqlite", "sqlite:////var/lib/ideapool.sqlite"),
    ],
)
def test_database_url_gets_the_psycopg_driver(clean_env, tmp_path, given, expected):
    clean_env.setenv("DATABASE_URL", given)
    assert config.from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == expected


def test_https_base_url_makes_the_session_cookie_secure(clean_env, tmp_path):
    clean_env.setenv("BASE_URL", "https://ideas.example.org/")
    settings = config.from_environment(str(tmp_path))
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["BASE_URL"] == "https://ideas.example.org"


def test_redis_url_and_rate_limit_switch(clean_env, tmp_path):
    clean_env.setenv("REDIS_URL", "redis://cache.example:6379/2")
    clean_env.setenv("RATELIMIT_ENABLED", "0")
    settings = config.from_environment(str(tmp_path))
    assert settings["REDIS_URL"] == "redis://cache.example:6379/2"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache.example:6379/2"
    assert settings["RATELIMIT_ENABLED"] is False


def test_create_app_reads_the_environment(clean_env, tmp_path):
    database = f"sqlite:///{tmp_path / 'from-env.sqlite'}"
    clean_env.setenv("DATABASE_URL", database)
    clean_env.setenv("SECRET_KEY", "env-secret")
    clean_env.setenv("BASE_URL", "https://ideas.example.org")
    clean_env.setenv("RATELIMIT_ENABLED", "0")
    with built_app({}) as application:
        assert application.config["SQLALCHEMY_DATABASE_URI"] == database
        assert application.config["SECRET_KEY"] == "env-secret"
        assert application.config["SESSION_COOKIE_SECURE"] is True
        assert application.config["REDIS_URL"] is None


def test_create_app_override_wins_over_the_environment(clean_env, base_config):
    clean_env.setenv("MAIL_FROM", "env@example.org")
    with built_app(base_config, MAIL_FROM="override@example.org") as application:
        assert application.config["MAIL_FROM"] == "override@example.org"
        assert application.config["SQLALCHEMY_DATABASE_URI"] == base_config["SQLALCHEMY_DATABASE_URI"]


def test_create_app_without_argument(clean_env, tmp_path):
    clean_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    clean_env.setenv("RATELIMIT_ENABLED", "0")
    application = create_app()
    assert application.name == "ideapool"
    assert "SECRET_KEY" in application.config and application.config["SECRET_KEY"]
