"""Structured logs: LOG_FORMAT=json gives one JSON object per line, with a request id that follows into jobs."""

import io
import json
import logging
import re

import pytest
from sqlalchemy import select

from core import jobs, logs
from core.extensions import db
from core.models import JobRecord
from tests.core.support import built_app
from tests.notifications.support import jobs_held

job_log = logging.getLogger("tests.job")


def say(word: str) -> None:
    """A job (enqueued by dotted name) that logs."""
    job_log.info("job says %s", word)


def say_and_pass_on(word: str) -> None:
    """A job that logs and enqueues another job."""
    job_log.info("first job says %s", word)
    jobs.enqueue("tests.core.test_logs.say", f"{word} again")


@pytest.fixture
def json_app(base_config):
    """An app with LOG_FORMAT=json whose JSON log handler writes to `.log_stream`; a route enqueues a job."""
    root = logging.getLogger()
    level = root.level
    with built_app(base_config, LOG_FORMAT="json") as application:

        def enqueue_view(name: str):
            logging.getLogger("tests.view").info("enqueueing %s", name)
            jobs.enqueue(f"tests.core.test_logs.{name}", "hello")
            return "queued"

        application.add_url_rule("/test-enqueue/<name>", "test_enqueue", enqueue_view)
        handler = next(handler for handler in root.handlers if handler.name == logs.JSON_HANDLER)
        application.log_stream = io.StringIO()
        handler.setStream(application.log_stream)
        try:
            yield application
        finally:
            root.removeHandler(handler)
            root.setLevel(level)


def lines(application) -> list[dict]:
    """Every line logged so far, each parsed as JSON (which fails on a line that is not one object)."""
    return [json.loads(line) for line in application.log_stream.getvalue().splitlines()]


def request_lines(application) -> list[dict]:
    return [line for line in lines(application) if line["logger"] == "ideapool.request"]


def test_a_request_logs_one_json_line_with_the_request_id_it_was_sent(json_app):
    response = json_app.test_client().get("/healthz", headers={"X-Request-ID": "edge-7f3a.B_c-9"})
    assert response.headers["X-Request-ID"] == "edge-7f3a.B_c-9"
    [line] = request_lines(json_app)
    assert line["request_id"] == "edge-7f3a.B_c-9"
    assert (line["level"], line["method"], line["path"], line["endpoint"], line["status"]) == (
        "INFO",
        "GET",
        "/healthz",
        "healthz",
        200,
    )
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    assert line["message"] == "GET /healthz 200"


@pytest.mark.parametrize(
    "given",
    ["", "has space", "x" * 65, "<script>alert(1)</script>", "ünïcode", "a\tb", "id,other"],
    ids=["empty", "space", "too-long", "markup", "non-ascii", "tab", "comma"],
)
def test_an_unsafe_request_id_is_replaced_by_a_new_one(json_app, given):
    response = json_app.test_client().get("/healthz", headers={"X-Request-ID": given})
    made = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made) and made != given
    assert request_lines(json_app)[0]["request_id"] == made


def test_each_request_without_an_id_gets_its_own(json_app):
    client = json_app.test_client()
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert first != second
    assert [line["request_id"] for line in request_lines(json_app)] == [first, second]


def test_a_job_enqueued_by_the_request_logs_with_its_request_id(json_app, run_jobs):
    response = json_app.test_client().get("/test-enqueue/say", headers={"X-Request-ID": "trace-into-the-job"})
    assert response.status_code == 200
    run_jobs()  # with Redis: a worker in this process, outside the request; the id comes from the job's meta
    by_logger = {line["logger"]: line for line in lines(json_app)}
    assert by_logger["tests.view"]["request_id"] == "trace-into-the-job"
    assert by_logger["tests.job"]["message"] == "job says hello"
    assert by_logger["tests.job"]["request_id"] == "trace-into-the-job"
    assert by_logger["ideapool.request"]["request_id"] == "trace-into-the-job"


def test_a_job_enqueued_by_a_job_keeps_the_request_id(json_app, run_jobs):
    json_app.test_client().get("/test-enqueue/say_and_pass_on", headers={"X-Request-ID": "chain-1"})
    run_jobs()
    said = {line["message"]: line["request_id"] for line in lines(json_app) if line["logger"] == "tests.job"}
    assert said == {"first job says hello": "chain-1", "job says hello again": "chain-1"}


def test_a_job_run_later_from_its_record_alone_keeps_the_request_id(json_app):
    # As when Redis was down at the commit and the relay dispatches the job later, or a fresh worker
    # resumes it: nothing but the job's record is left of the request.
    with jobs_held():
        json_app.test_client().get("/test-enqueue/say", headers={"X-Request-ID": "lost-then-relayed"})
    (record,) = db.session.scalars(select(JobRecord).where(JobRecord.name == "tests.core.test_logs.say"))
    assert record.status == "queued"
    with json_app.app_context():
        jobs.execute(record.id)
    said = [line for line in lines(json_app) if line["logger"] == "tests.job"]
    assert [(line["message"], line["request_id"]) for line in said] == [("job says hello", "lost-then-relayed")]


def test_outside_any_request_the_request_id_is_null(json_app):
    job_log.warning("on its own")
    [line] = lines(json_app)
    assert line["request_id"] is None and line["level"] == "WARNING"


def test_extras_and_exceptions_go_into_the_line_and_stay_on_one_line(json_app):
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        job_log.exception("it failed", extra={"idea_id": 12})
    [line] = lines(json_app)
    assert line["idea_id"] == 12
    assert line["exception"].startswith("Traceback") and "ValueError: bad\nvalue" in line["exception"]


def test_a_token_in_the_path_is_not_logged(json_app):
    json_app.test_client().get("/password-reset/very-secret-reset-token")
    [line] = request_lines(json_app)
    assert "very-secret-reset-token" not in json_app.log_stream.getvalue()
    assert line["path"] == "/password-reset/[redacted]"


def test_the_text_format_stays_the_default_and_still_echoes_the_request_id(client):
    response = client.get("/healthz", headers={"X-Request-ID": "plain-1"})
    assert response.headers["X-Request-ID"] == "plain-1"
    assert not any(handler.name == logs.JSON_HANDLER for handler in logging.getLogger().handlers)
    assert client.application.config["LOG_FORMAT"] == "text"


def test_an_unknown_log_format_is_refused(base_config):
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        with built_app(base_config, LOG_FORMAT="xml"):
            pass
