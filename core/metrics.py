"""`GET /metrics`: Prometheus text format, with the standard client (prometheus_client).

Counted as requests are answered:
- `ideapool_http_requests_total{endpoint, method, status}`;
- `ideapool_http_request_duration_seconds{endpoint, method}`, a histogram, from the first request hook to the
  last (the commit and in-process jobs included).
`endpoint` is the Flask endpoint name (`ideas.detail`), `unmatched` when no route matched: never the raw path,
so the number of series stays bounded. A method outside the usual ones counts as `other`.

Read at each scrape, from Redis and the database, with cheap queries only:
- `ideapool_rq_jobs{queue, state}`: per RQ queue, jobs `queued` (waiting), `started`, `scheduled` (waiting for a
  retry) and `failed` (RQ's failed-job registry), as Redis holds them;
- `ideapool_job_records{status}`: the outbox, job records `queued` and `started`;
- `ideapool_job_records_oldest_queued_seconds`: how long the oldest queued job record has waited (0: none);
- the counts domain packages register with `register_counts` (notifications: `ideapool_deliveries`,
  `ideapool_deliveries_done`).
A figure that cannot be read (Redis or the database down, a query over its time limit) is left out, and
`ideapool_metrics_figure_up{figure}` says 0 for it; without REDIS_URL the RQ figure is not listed at all.

Several processes: under gunicorn each worker counts its own requests. With `PROMETHEUS_MULTIPROC_DIR` set
(gunicorn.conf.py sets one), prometheus_client's multiprocess mode keeps every worker's figures in files in
that folder and a scrape of any worker adds them up. Without it, this process's registry is served (the
development server, or a single process). The variable must be set before this module is first imported.

`METRICS_TOKEN`: when set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>` and 401 otherwise.
When it is unset, /metrics answers anyone: it must then be reachable only from the internal network.
"""

import hmac
import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, jsonify, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from redis import Redis
from rq import Queue
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from core import transaction
from core.models import JobRecord
from core.redis_client import redis_connection
from core.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
QUERY_TIMEOUT_MS = 2000  # a scrape never holds PostgreSQL longer than this per figure
COUNTS_KEY = "ideapool_metric_counts"

REQUESTS = Counter(
    "ideapool_http_requests",
    "HTTP requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "ideapool_http_request_duration_seconds",
    "Time to answer an HTTP request, by endpoint and method.",
    ["endpoint", "method"],
)


@dataclass(frozen=True)
class Counted:
    """A gauge read at each scrape by one SQL statement whose rows are (label values…, count)."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    sql: str


def register_counts(app: Flask, name: str, documentation: str, labels: tuple[str, ...], sql: str) -> None:
    """Let a domain package add a gauge of its own tables to /metrics, without core knowing them.

    Keep the statement cheap (it runs at every scrape, under a time limit): counts over an index.
    """
    app.extensions.setdefault(COUNTS_KEY, []).append(Counted(name, documentation, tuple(labels), sql))


def _start_request() -> None:
    g.metrics_started = time.perf_counter()


def _count_request(response):
    started = g.pop("metrics_started", None)
    if started is None:
        return response
    endpoint = request.endpoint or "unmatched"
    method = request.method if request.method in METHODS else "other"
    REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
    LATENCY.labels(endpoint, method).observe(time.perf_counter() - started)
    return response


def _limit_time(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {QUERY_TIMEOUT_MS}")


def _rq_jobs(connection: Redis, queue_names: Iterable[str]) -> Iterator[Metric]:
    """Jobs RQ holds per queue and state, in one round trip to Redis (no registry clean-up: no writes)."""
    wanted, pipeline = [], connection.pipeline(transaction=False)
    for name in queue_names:
        queue = Queue(name, connection=connection)
        pipeline.llen(queue.key)
        wanted.append((name, "queued"))
        for state, registry in (
            ("started", queue.started_job_registry),
            ("scheduled", queue.scheduled_job_registry),
            ("failed", queue.failed_job_registry),
        ):
            pipeline.zcard(registry.key)
            wanted.append((name, state))
    family = GaugeMetricFamily("ideapool_rq_jobs", "Jobs RQ holds, by queue and state.", labels=["queue", "state"])
    for labels, value in zip(wanted, pipeline.execute(), strict=True):
        family.add_metric(list(labels), value)
    yield family


def _job_records() -> Iterator[Metric]:
    """The outbox: unfinished job records (the partial index ix_job_records_unfinished answers both queries)."""
    with transaction.on_its_own() as connection:
        _limit_time(connection)
        counts = dict(
            connection.execute(
                select(JobRecord.status, func.count())
                .where(JobRecord.status.in_(("queued", "started")))
                .group_by(JobRecord.status)
            ).all()
        )
        oldest = connection.execute(select(func.min(JobRecord.created_at)).where(JobRecord.status == "queued")).scalar()
    family = GaugeMetricFamily(
        "ideapool_job_records",
        "Job records not finished (the outbox of background work), by status.",
        labels=["status"],
    )
    for status in ("queued", "started"):
        family.add_metric([status], counts.get(status, 0))
    yield family
    waited = 0.0 if oldest is None else max(0.0, (utcnow() - as_utc(oldest)).total_seconds())
    yield GaugeMetricFamily(
        "ideapool_job_records_oldest_queued_seconds", "How long the oldest queued job record has waited.", value=waited
    )


def _counted(counted: Counted) -> Iterator[Metric]:
    with transaction.on_its_own() as connection:
        _limit_time(connection)
        rows = connection.execute(text(counted.sql)).all()
    family = GaugeMetricFamily(counted.name, counted.documentation, labels=list(counted.labels))
    for *labels, value in rows:
        family.add_metric([str(label) for label in labels], value)
    yield family


def _figures(app: Flask) -> list[Metric]:
    """Every figure read at scrape time; one that fails is left out and marked down."""
    readers = {}
    connection = redis_connection()
    if connection is not None:
        readers["ideapool_rq_jobs"] = lambda: _rq_jobs(connection, app.config["JOB_QUEUES"])
    readers["ideapool_job_records"] = _job_records
    for counted in app.extensions.get(COUNTS_KEY, []):
        readers[counted.name] = lambda counted=counted: _counted(counted)
    figures: list[Metric] = []
    up = GaugeMetricFamily(
        "ideapool_metrics_figure_up", "1 when the figure was read at this scrape.", labels=["figure"]
    )
    for name, read in readers.items():
        try:
            figures.extend(read())
            up.add_metric([name], 1)
        except Exception as error:
            log.warning("Metrics: %s could not be read: %s: %s", name, type(error).__name__, error)
            up.add_metric([name], 0)
    return [*figures, up]


def _recorded():
    """The figures counted in requests: those of every worker in multiprocess mode, else this process's."""
    if MULTIPROC_DIR is None:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=MULTIPROC_DIR)
    return registry


class _Scrape:
    """What one scrape exposes: the counted figures, then those read now."""

    def __init__(self, recorded, figures: list[Metric]):
        self.recorded, self.figures = recorded, figures

    def collect(self) -> Iterator[Metric]:
        yield from self.recorded.collect()
        yield from self.figures


def _authorized(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def metrics():
    """GET /metrics: the Prometheus text format (OpenMetrics when the scraper asks for it)."""
    token = current_app.config.get("METRICS_TOKEN")
    if token and not _authorized(token):
        # The API's error shape; core.errors.error_response would answer with the HTML page off /api/.
        body = {"error": {"code": "unauthorized", "message": "Send Authorization: Bearer <METRICS_TOKEN>."}}
        return jsonify(body), 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    body = encode(_Scrape(_recorded(), _figures(current_app._get_current_object())))
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def init_app(app: Flask) -> None:
    """Count every request (register before the other request hooks, so the count sees them all) and serve /metrics."""
    if MULTIPROC_DIR is not None:
        os.makedirs(MULTIPROC_DIR, exist_ok=True)
    app.before_request(_start_request)
    app.after_request(_count_request)
    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
