"""Fixtures of the ideas tests: cheap password hashes (users are made by the dozen here)."""
import pytest
from werkzeug.security import generate_password_hash

from accounts import services as account_services


def _cheap_hash(password: str) -> str:
    """A real but fast password hash; the ideas tests do not test password storage."""
    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """Users made in these tests get a one-round hash instead of scrypt (0.2 s each)."""
    monkeypatch.setattr(account_services, "generate_password_hash", _cheap_hash)
