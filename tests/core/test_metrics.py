"""GET /metrics: Prometheus text format; requests by endpoint with latency, the queues, the outbox, deliveries."""

import os
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rq import Queue, SimpleWorker
from sqlalchemy import select

from core import metrics
from core.extensions import db
from core.models import JobRecord
from core.redis_client import redis_connection
from core.timeutil import utcnow
from notifications.models import Notification, Webhook, WebhookDelivery
from tests.conftest import REPO_ROOT
from tests.core.support import built_app
from tests.notifications.servers import free_port


def scrape(client, **headers) -> dict[tuple, float]:
    """Every sample of one scrape: {(name, ((label, value), …)): value}."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return parsed(response.get_data(as_text=True))


def value(samples: dict, name: str, **labels) -> float:
    """One sample's value; 0 when the scrape does not hold it."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def parsed(text: str) -> dict[tuple, float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def names(samples: dict) -> set[str]:
    return {name for name, _labels in samples}


def test_requests_are_counted_by_endpoint_method_and_status_with_a_latency_histogram(client):
    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no/such/page-1234")
    after = scrape(client)

    counted = {"endpoint": "healthz", "method": "GET", "status": "200"}
    assert value(after, "ideapool_http_requests_total", **counted) - value(
        before, "ideapool_http_requests_total", **counted
    ) == pytest.approx(2)
    latency = {"endpoint": "healthz", "method": "GET"}
    for name, labels in (
        ("ideapool_http_request_duration_seconds_count", latency),
        ("ideapool_http_request_duration_seconds_bucket", {**latency, "le": "+Inf"}),
    ):
        assert value(after, name, **labels) - value(before, name, **labels) == pytest.approx(2)
    assert value(after, "ideapool_http_request_duration_seconds_sum", **latency) > value(
        before, "ideapool_http_request_duration_seconds_sum", **latency
    )
    # A path no route matched counts under one label, never under its raw path.
    unmatched = {"endpoint": "unmatched", "method": "GET", "status": "404"}
    assert value(after, "ideapool_http_requests_total", **unmatched) > value(
        before, "ideapool_http_requests_total", **unmatched
    )
    assert not any("page-1234" in str(labels) for _name, labels in after)
    # The scrape before this one was counted too.
    assert value(after, "ideapool_http_requests_total", endpoint="metrics", method="GET", status="200") >= 1


def test_an_unusual_method_counts_as_other(client):
    client.open("/healthz", method="BREW")
    samples = scrape(client)
    assert value(samples, "ideapool_http_requests_total", endpoint="unmatched", method="other", status="405") >= 1
    assert not any(dict(labels).get("method") == "BREW" for _name, labels in samples)


def _job_record(status: str, age: timedelta = timedelta(0)) -> JobRecord:
    record = JobRecord(
        id=str(uuid.uuid4()), name="jobs.ping.run", args=[1], queue="default", status=status, created_at=utcnow() - age
    )
    db.session.add(record)
    return record


def test_the_outbox_and_the_deliveries_move_with_the_tables(client, users):
    before = scrape(client)
    _job_record("queued", age=timedelta(minutes=5))
    _job_record("queued")
    _job_record("started")
    _job_record("finished")
    staff = users["staff"]
    for number, state in enumerate(("pending", "pending", "failed", "none", "sent", "digested")):
        db.session.add(
            Notification(
                user_id=staff.id, kind="reply", text="A reply", event_key=f"metrics-{number}", email_state=state
            )
        )
    webhook = Webhook(url="https://hooks.example.org/in", secret="s", events=["idea.created"])
    db.session.add(webhook)
    db.session.flush()
    for number, state in enumerate(("failed", "delivered", "delivered")):
        db.session.add(
            WebhookDelivery(
                webhook_id=webhook.id, event="idea.created", event_key=f"e-{number}", payload={}, state=state
            )
        )
    db.session.commit()
    after = scrape(client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("ideapool_job_records", status="queued") == 2
    assert moved("ideapool_job_records", status="started") == 1
    assert value(after, "ideapool_job_records_oldest_queued_seconds") >= 5 * 60
    assert moved("ideapool_deliveries", channel="email", state="pending") == 2
    assert moved("ideapool_deliveries", channel="email", state="failed") == 1  # a dead letter
    assert moved("ideapool_deliveries", channel="webhook", state="failed") == 1  # another
    assert moved("ideapool_deliveries_done", channel="email", state="sent") == 1
    assert moved("ideapool_deliveries_done", channel="email", state="digested") == 1
    assert moved("ideapool_deliveries_done", channel="webhook", state="delivered") == 2
    assert not any(dict(labels).get("state") == "none" for _name, labels in after)  # no e-mail at all
    for figure in ("ideapool_job_records", "ideapool_deliveries", "ideapool_deliveries_done"):
        assert value(after, "ideapool_metrics_figure_up", figure=figure) == 1


def test_rq_queues_and_failed_jobs_are_read_from_redis(own_redis_app, redis_server):
    client = own_redis_app.test_client()
    before = scrape(client)
    connection = redis_connection()
    Queue("low", connection=connection).enqueue_call("tests.core.jobs_for_tests.remember", args=("waits",))
    Queue("high", connection=connection).enqueue_call("tests.core.jobs_for_tests.boom", args=("fails",))
    SimpleWorker([Queue("high", connection=connection)], connection=connection).work(burst=True)
    after = scrape(client)

    assert value(after, "ideapool_rq_jobs", queue="low", state="queued") - value(
        before, "ideapool_rq_jobs", queue="low", state="queued"
    ) == pytest.approx(1)
    assert value(after, "ideapool_rq_jobs", queue="high", state="failed") - value(
        before, "ideapool_rq_jobs", queue="high", state="failed"
    ) == pytest.approx(1)
    assert {("queue", name) for name in own_redis_app.config["JOB_QUEUES"]} <= {
        labels[0] for name, labels in after if name == "ideapool_rq_jobs"
    }
    assert value(after, "ideapool_metrics_figure_up", figure="ideapool_rq_jobs") == 1


def test_with_redis_down_the_scrape_still_answers_without_the_redis_figures(own_redis_app, redis_server):
    client = own_redis_app.test_client()
    assert "ideapool_rq_jobs" in names(scrape(client))
    redis_server.stop()
    samples = scrape(client)
    assert "ideapool_rq_jobs" not in names(samples)
    assert value(samples, "ideapool_metrics_figure_up", figure="ideapool_rq_jobs") == 0
    assert value(samples, "ideapool_metrics_figure_up", figure="ideapool_job_records") == 1
    assert ("ideapool_job_records", (("status", "queued"),)) in samples


def test_without_redis_there_are_no_redis_figures(base_config):
    with built_app(base_config, REDIS_URL=None) as application:
        samples = scrape(application.test_client())
    assert "ideapool_rq_jobs" not in names(samples)
    assert ("ideapool_metrics_figure_up", (("figure", "ideapool_rq_jobs"),)) not in samples
    assert "ideapool_job_records" in names(samples)


def test_a_figure_that_cannot_be_read_is_left_out_and_the_others_stay(base_config):
    with built_app(base_config) as application:
        metrics.register_counts(
            application,
            "ideapool_broken",
            "Reads a table that does not exist.",
            ("x",),
            "SELECT x, 1 FROM no_such_table",
        )
        samples = scrape(application.test_client())
    assert value(samples, "ideapool_metrics_figure_up", figure="ideapool_broken") == 0
    assert "ideapool_broken" not in names(samples)
    assert value(samples, "ideapool_metrics_figure_up", figure="ideapool_deliveries") == 1


def test_the_scrape_leaves_no_connection_or_transaction_open(base_config):
    with built_app(base_config) as application:
        client = application.test_client()
        scrape(client)
        with application.app_context():
            assert db.engine.pool.checkedout() == 0
        # And the request's own session did not start one either: a write right after is not blocked.
        with application.app_context():
            _job_record("queued")
            db.session.commit()
            assert db.session.scalar(select(JobRecord.status)) == "queued"


def test_metrics_token_is_required_when_set(base_config):
    with built_app(base_config, METRICS_TOKEN="scrape-me-0123456789") as application:
        client = application.test_client()
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic scrape-me-0123456789"}):
            response = client.get("/metrics", headers=headers)
            assert response.status_code == 401
            assert response.get_json()["error"]["code"] == "unauthorized"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert b"ideapool_" not in response.data
        samples = scrape(client, Authorization="Bearer scrape-me-0123456789")
    assert "ideapool_job_records" in names(samples)


def test_without_a_token_metrics_need_no_sign_in(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers  # no session is started for a scraper


def _get_when_up(url: str) -> tuple[int, bytes]:
    """(status, body) of a GET, waiting for the server to start listening."""
    for _ in range(100):
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.status, answer.read()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered at {url}")


def test_gunicorn_workers_add_up_their_counts_in_multiprocess_mode(base_config, tmp_path):
    """Under the shipped gunicorn.conf.py every scrape shows the requests of all workers, from zero."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"left from an earlier run")  # on_starting clears it
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": base_config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test",
        "WEB_WARM_SIMILARITY": "0",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    if base_config["REDIS_URL"]:
        env["REDIS_URL"] = base_config["REDIS_URL"]
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "2", "--no-control-socket", "wsgi:app"]
    with (tmp_path / "gunicorn.log").open("w") as output:
        server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        for _ in range(12):
            assert _get_when_up(f"http://127.0.0.1:{port}/healthz")[0] == 200
        for _ in range(4):  # whichever worker answers the scrape, it adds up both
            status, body = _get_when_up(f"http://127.0.0.1:{port}/metrics")
            assert status == 200
            samples = parsed(body.decode())
            assert value(samples, "ideapool_http_requests_total", endpoint="healthz", method="GET", status="200") == 12
        assert not (folder / "counter_999999.db").exists()
        assert list(folder.glob("counter_*.db")), "the workers keep their counts in the named folder"
    finally:
        server.terminate()
        server.wait(timeout=30)
