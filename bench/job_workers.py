"""Worker processes for the benches: each holds an app on the bench's database and runs the job
records it is handed, one at a time, as an RQ worker would (jobs.execute, the same entry point).

Processes of their own, because threads in one process share its interpreter lock: a bench of work
that several workers share in production must be measured with several processes.
"""

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

_app = None


def _start(config: dict) -> None:
    global _app
    from core import create_app

    _app = create_app(config)


def _ready(_: int) -> int:
    time.sleep(0.5)  # long enough that each process of the pool takes one
    return multiprocessing.current_process().pid


def _execute(job_id: str):
    from core import jobs

    with _app.app_context():
        return jobs.execute(job_id)


class Workers:
    """A pool of started worker processes."""

    def __init__(self, executor: ProcessPoolExecutor, count: int):
        self._executor = executor
        self.count = count

    def run(self, job_ids: list[str]) -> list:
        """Run the jobs on the workers (each takes the next one when it is free); their results, in order."""
        return list(self._executor.map(_execute, job_ids))


@contextmanager
def started(config: dict, count: int):
    """`count` worker processes with an app made from `config`, each started before the block begins."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(count, mp_context=context, initializer=_start, initargs=(config,)) as executor:
        pids = set(executor.map(_ready, range(count)))
        if len(pids) != count:
            raise RuntimeError(f"Only {len(pids)} of {count} bench workers started.")
        yield Workers(executor, count)
