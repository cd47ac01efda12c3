"""Fixtures the ideas tests share, and the harness that holds many writing transactions open at once."""

import threading
import traceback
from collections.abc import Callable

import pytest
from sqlalchemy import text

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


def write_all_at_once(app, write: Callable[[int], None], writers: int = WRITERS) -> list[str]:
    """Run write(0) … write(writers - 1), each in a transaction of its own under a 5 s lock timeout,
    and commit them only once every one has written: if any writer waited for another's lock, it
    times out. Returns the tracebacks of the writers that failed."""
    written, release, errors = threading.Barrier(writers + 1), threading.Event(), []

    def write_and_hold(n: int) -> None:
        try:
            with app.app_context():
                db.session.execute(text("SET LOCAL lock_timeout = '5s'"))
                write(n)
                written.wait(timeout=30)  # every writer has written, none committed
                release.wait(timeout=30)
                db.session.commit()
        except Exception:  # noqa: BLE001 - a thread's failure must reach the test
            errors.append(traceback.format_exc())
            written.abort()

    threads = [threading.Thread(target=write_and_hold, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    try:
        written.wait(timeout=30)  # all wrote while the others' transactions were open: nobody waited
    except threading.BrokenBarrierError:
        pass
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    return errors
