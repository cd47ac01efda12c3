"""Fixtures the ideas tests share."""

import pytest

from core import create_app
from core.extensions import db

WRITERS = 16


@pytest.fixture
def roomy_app(base_config):
    """The app with a connection pool large enough for every writer to hold a transaction at once."""
    application = create_app({**base_config, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": WRITERS + 4}})
    yield application
    with application.app_context():
        db.engine.dispose()
