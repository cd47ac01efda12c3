"""gunicorn's settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Chosen by measurement with `make bench-pages` (see docs/operations.md, "Web processes"); each can be
changed by an environment variable without editing this file, and command-line flags win over both.
"""

import glob
import os
import shutil
import tempfile

# Prometheus multiprocess mode (core/metrics.py): every worker writes its request figures to files in this
# folder, and /metrics on any worker adds up all of them. Set here, before the app (and prometheus_client)
# is imported. PROMETHEUS_MULTIPROC_DIR may name the folder; otherwise one of this server's own is made.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ["IDEAPOOL_OWN_METRICS_DIR"] = tempfile.mkdtemp(
        prefix="ideapool-metrics-"
    )

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
# Sync workers: the pages are short and CPU-bound, so one process per core plus one for the time a
# request waits on PostgreSQL gave the most requests per second; threads bought nothing (the GIL).
workers = int(os.environ.get("WEB_WORKERS", (os.cpu_count() or 1) + 1))
worker_class = "sync"
# No page takes more than a fraction of a second; a worker stuck for 30 s is restarted.
timeout = int(os.environ.get("WEB_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Load the app once in the master and fork: workers share its code pages (and the similarity
# index when it is warmed here), which keeps each worker's own memory small.
preload_app = True
# A worker is replaced after about this many requests, so slow growth of memory cannot accumulate.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", 20_000))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"


def when_ready(server) -> None:
    """Load the similarity index in the master (unless WEB_WARM_SIMILARITY=0), so every worker inherits it
    instead of loading its own on its first similar-ideas request."""
    if os.environ.get("WEB_WARM_SIMILARITY", "1") == "0":
        return
    from core.extensions import db
    from ideas import similarity

    with server.app.wsgi().app_context():
        server.log.info("similarity index warmed: %s ideas", similarity.warm())
        db.engine.dispose()  # the workers open their own connections


def post_fork(server, worker) -> None:
    """A forked worker must not use the master's database connections: open its own."""
    from core.extensions import db

    with worker.app.wsgi().app_context():
        db.engine.dispose(close=False)


def on_starting(server) -> None:
    """Start the request figures from zero: a named folder may still hold the files of an earlier run."""
    for path in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(path)


def child_exit(server, worker) -> None:
    """A worker that is gone no longer counts in the live gauges of the multiprocess figures."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    """Remove the metrics folder this server made for itself."""
    if os.environ.get("IDEAPOOL_OWN_METRICS_DIR"):
        shutil.rmtree(os.environ["IDEAPOOL_OWN_METRICS_DIR"], ignore_errors=True)
