"""`python -m bench.worker_memory [IDEAS]` (`make bench-memory`, `BENCH_MEMORY_IDEAS=100000 make bench-memory`):
the memory of 1, 2 and 4 gunicorn workers, before and after each has answered similar-ideas requests (the
index and the model loaded), read from each process's /proc/<pid>/smaps_rollup on the demo organisation
(SQLite in a temporary folder), with IDEAS synthetic ideas added (bench/speed.py: texts drawn from the
labelled data, a clustered synthetic vector each) and the index snapshot written, as the hourly job does.

Pss shares each page among the processes mapping it, so the server's total is the sum over the master and
its workers; Private is what one process holds alone.
"""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
PORT = 18391
REQUESTS_PER_WORKER = 8


def smaps(pid: int) -> dict[str, int]:
    """The process's Rss, Pss and Private memory in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) / 1024
    return {"rss": fields["Rss"], "pss": fields["Pss"], "private": fields["Private_Clean"] + fields["Private_Dirty"]}


def children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def get(path: str, token: str | None = None) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers={"Connection": "close"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status


def wait_until_up(server: subprocess.Popen) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit("gunicorn exited")
        try:
            get("/healthz")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz")


def measure(workers: int, env: dict, token: str) -> dict:
    server = subprocess.Popen([*GUNICORN, "--workers", str(workers)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_until_up(server)
        time.sleep(1)
        before = [smaps(pid) for pid in [server.pid, *children(server.pid)]]
        for number in range(REQUESTS_PER_WORKER * workers):
            get(f"/api/v1/ideas/similar?text=quiet+room+for+calls+{number}", token)
        after = [smaps(pid) for pid in [server.pid, *children(server.pid)]]
    finally:
        server.terminate()
        server.wait(30)
    return {"before": before, "after": after}


def add_synthetic_ideas(url: str, count: int) -> Path:
    """Add `count` synthetic ideas with stored vectors to the database, indexed; returns where its index
    snapshot goes."""
    from bench import speed
    from bench.corpus import Corpus
    from core import create_app
    from core.extensions import db
    from ideas import similarity
    from ideas.models import Idea
    from ideas.similarity import snapshot

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    with app.app_context():
        texts = Corpus().ideas(count)
        ids = speed.insert_ideas(texts, db.session.scalars(db.select(Idea)).first().author)
        speed.insert_synthetic_embeddings(ids, texts, speed.synthetic_topics(count))
        similarity.rebuild()
        db.session.commit()
        path = snapshot.path_for(db.engine.url.render_as_string(hide_password=True))
        db.engine.dispose()
    return path


def main(sizes=(1, 2, 4), ideas: int = 0) -> None:
    with tempfile.TemporaryDirectory(prefix="ideapool-memory-") as folder:
        url = f"sqlite:///{folder}/memory.db"
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": "", "WEB_BIND": f"127.0.0.1:{PORT}"}
        moderator = ["users", "create", "--email", "m@example.test", "--name", "M", "--password", "x" * 12]
        for command in (["db", "upgrade"], ["seed-demo"], moderator):
            subprocess.run([*FLASK, *command], cwd=ROOT, env=env, check=True, capture_output=True)
        snapshot = add_synthetic_ideas(url, ideas) if ideas else None
        if snapshot:
            subprocess.run([*FLASK, "similarity", "snapshot"], cwd=ROOT, env=env, check=True, capture_output=True)
        token = subprocess.run([*FLASK, "tokens", "create", "--email", "m@example.test"], cwd=ROOT, env=env,
                               check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
        print(f"{ideas} synthetic ideas added to the demo organisation; memory in MB")
        print("workers  total Pss before  total Pss after  per worker Private after (growth)  per worker Rss after")
        for workers in sizes:
            found = measure(workers, env, token)
            total = {moment: sum(process["pss"] for process in found[moment]) for moment in ("before", "after")}
            own = [process["private"] for process in found["after"][1:]]
            grown = [a["private"] - b["private"] for a, b in zip(found["after"][1:], found["before"][1:], strict=True)]
            rss = [process["rss"] for process in found["after"][1:]]
            print(f"{workers:7d}  {total['before']:15.0f}  {total['after']:15.0f}  "
                  f"{min(own):7.0f}–{max(own):.0f} (+{min(grown):.0f}–{max(grown):.0f})  "
                  f"{min(rss):19.0f}–{max(rss):.0f}")  # fmt: skip
        if snapshot:
            snapshot.unlink(missing_ok=True)


if __name__ == "__main__":
    main(ideas=int(sys.argv[1]) if len(sys.argv) > 1 else 0)
