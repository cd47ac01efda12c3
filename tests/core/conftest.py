"""Fixtures of the tests that stop servers: a Redis server and an SMTP server of the test's own."""

import pytest

from tests.core.redis_server import RedisServer
from tests.core.support import built_app
from tests.notifications.servers import SmtpInbox


@pytest.fixture
def redis_server(tmp_path):
    """A running Redis server of this test's own; `.stop()` kills it, `.start()` brings it back empty."""
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def inbox():
    """A running SMTP server of this test's own; `.messages`, `.delay` slows each message down."""
    server = SmtpInbox().start()
    yield server
    server.stop()


@pytest.fixture
def own_redis_app(base_config, redis_server, inbox):
    """An app on the suite's database whose jobs, rate limits and kept values live on `redis_server`,
    and whose e-mail goes to `inbox`; the test runs in its app context."""
    with built_app(
        base_config,
        REDIS_URL=redis_server.url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=redis_server.url,
        SMTP_URL=inbox.url,
    ) as application:
        with application.app_context():
            yield application
