"""The load: client threads that send weighted random requests, the ideas they pick from, and the tally of
what they saw."""

import json
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bench.pages import client
from bench.soak.seed import HOT_IDEAS, Seed, random_title, random_words

# kind: (weight, expected status); a page may also redirect (a merged idea's page goes to its target).
KINDS = {
    "page: list": (14, 200),
    "page: idea": (14, 200),
    "api: list": (10, 200),
    "api: idea": (10, 200),
    "api: comments": (6, 200),
    "vote": (16, 200),
    "unvote": (7, 200),
    "comment": (6, 201),
    "post idea": (2, 201),
    "answer": (1.5, 201),
    "merge": (0.15, 202),
}
# An idea merged between a client's pick and its request answers 409: a race the workload allows, shown
# in the table and not judged. Any other answer that is neither the expected one nor an error fails the run.
RACES = frozenset({409})


@dataclass
class Tally:
    """What the clients saw, by kind of request; shared by the client threads."""

    seconds: dict = field(default_factory=lambda: defaultdict(list))
    statuses: dict = field(default_factory=lambda: defaultdict(Counter))
    errors: list = field(default_factory=list)  # the first few, described
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int | str, seconds: float, what: str) -> None:
        with self.lock:
            self.seconds[kind].append(seconds)
            self.statuses[kind][status] += 1
            if is_error(status) and len(self.errors) < 20:
                self.errors.append(f"{kind}: {what} -> {status}")

    def error_count(self) -> int:
        with self.lock:
            return sum(n for counts in self.statuses.values() for status, n in counts.items() if is_error(status))

    def request_count(self) -> int:
        with self.lock:
            return sum(len(values) for values in self.seconds.values())


def is_error(status: int | str) -> bool:
    """An error: no answer (the exception's name) or a status of 500 or more."""
    return isinstance(status, str) or status >= 500


class Workload:
    """The ideas the clients know of and pick from; merges never form chains (a target is never a source)."""

    def __init__(self, seed_: Seed, cookies: list[str]):
        self.seed, self.cookies = seed_, cookies
        self.lock = threading.Lock()
        self.hot = list(seed_.idea_ids[:HOT_IDEAS])
        self.open = list(seed_.idea_ids)
        self.targets: set[int] = set()
        self.comments: dict[int, list[int]] = defaultdict(list)

    def idea(self, chooser: random.Random) -> int:
        """Mostly a hot idea (votes on it contend), else any open one."""
        with self.lock:
            return chooser.choice(self.hot if chooser.random() < 0.6 else self.open)

    def merge_pair(self, chooser: random.Random) -> tuple[int, int] | None:
        """A cold open idea to merge and an open idea to merge it into, taken out of the picks at once."""
        with self.lock:
            sources = [idea for idea in self.open if idea not in self.targets and idea not in self.hot]
            if len(sources) < 2:
                return None
            source = chooser.choice(sources)
            target = chooser.choice([idea for idea in self.open if idea != source])
            self.open.remove(source)
            self.targets.add(target)
            return source, target

    def posted(self, idea_id: int) -> None:
        with self.lock:
            self.open.append(idea_id)

    def commented(self, idea_id: int, comment_id: int) -> None:
        with self.lock:
            self.comments[idea_id].append(comment_id)

    def comment_on(self, idea_id: int, chooser: random.Random) -> int | None:
        with self.lock:
            known = self.comments.get(idea_id)
            return chooser.choice(known) if known and chooser.random() < 0.3 else None


def one_request(base_url: str, workload: Workload, kind: str, chooser: random.Random) -> tuple:
    """(status, seconds, what) of one request of that kind."""
    seed_ = workload.seed
    staff = chooser.choice(seed_.staff_tokens)
    idea = workload.idea(chooser)
    if kind.startswith("page"):
        path = "/?sort=" + chooser.choice(("hot", "top", "new")) if kind == "page: list" else f"/ideas/{idea}"
        return _page(base_url, path, chooser.choice(workload.cookies))
    if kind == "api: list":
        path = f"/api/v1/ideas?sort={chooser.choice(('hot', 'top', 'new', 'discussed'))}&page={chooser.randint(1, 5)}"
        return _api(base_url, "GET", path, staff)
    if kind == "api: idea":
        return _api(base_url, "GET", f"/api/v1/ideas/{idea}", staff)
    if kind == "api: comments":
        return _api(base_url, "GET", f"/api/v1/ideas/{idea}/comments", staff)
    if kind in ("vote", "unvote"):
        return _api(base_url, "PUT" if kind == "vote" else "DELETE", f"/api/v1/ideas/{idea}/vote", staff)
    if kind == "comment":
        return _comment(base_url, workload, idea, staff, chooser)
    if kind == "post idea":
        return _post(base_url, workload, staff, chooser)
    if kind == "answer":
        body = {"status": chooser.choice(("under_review", "planned", "in_progress")), "body": random_words(chooser, 12)}
        return _api(base_url, "POST", f"/api/v1/ideas/{idea}/responses", chooser.choice(seed_.executive_tokens), body)
    return _merge(base_url, workload, chooser)


def _page(base_url: str, path: str, cookie: str) -> tuple:
    answer = client.request(base_url, "GET", path, {"Cookie": cookie})
    status = 200 if answer.status == 302 and "/login" not in answer.headers.get("location", "") else answer.status
    return status, answer.seconds, f"GET {path}", answer


def _api(base_url: str, method: str, path: str, token: str, body: dict | None = None) -> tuple:
    answer = client.json_request(base_url, method, path, token, body)
    return answer.status, answer.seconds, f"{method} {path} {answer.text()[:160]!r}", answer


def _comment(base_url: str, workload: Workload, idea: int, token: str, chooser: random.Random) -> tuple:
    body = {"body": random_words(chooser, 15), "parent_id": workload.comment_on(idea, chooser)}
    result = _api(base_url, "POST", f"/api/v1/ideas/{idea}/comments", token, body)
    if result[0] == 201:
        workload.commented(idea, _json(result[3])["id"])
    return result


def _post(base_url: str, workload: Workload, token: str, chooser: random.Random) -> tuple:
    body = {"title": random_title(chooser, chooser.randint(1000, 99999)), "body": random_words(chooser, 40)}
    result = _api(base_url, "POST", "/api/v1/ideas", token, body)
    if result[0] == 201:
        workload.posted(_json(result[3])["id"])
    return result


def _merge(base_url: str, workload: Workload, chooser: random.Random) -> tuple:
    pair = workload.merge_pair(chooser)
    if pair is None:
        return 202, 0.0, "no idea to merge", None
    token = chooser.choice(workload.seed.moderator_tokens)
    return _api(base_url, "POST", f"/api/v1/ideas/{pair[0]}/merge", token, {"into": pair[1]})


def _json(answer) -> dict:
    return json.loads(answer.body)


class Gate:
    """Lets the clients through while open; closing it waits for the requests in flight (to sample memory at rest)."""

    def __init__(self):
        self.condition = threading.Condition()
        self.is_open, self.stopped, self.in_flight = True, False, 0

    def enter(self) -> bool:
        """Wait until open; False once stopped."""
        with self.condition:
            self.condition.wait_for(lambda: self.is_open or self.stopped)
            if self.stopped:
                return False
            self.in_flight += 1
            return True

    def leave(self) -> None:
        with self.condition:
            self.in_flight -= 1
            self.condition.notify_all()

    def close(self) -> None:
        """Stop letting clients through and wait for the requests in flight to end."""
        with self.condition:
            self.is_open = False
            self.condition.wait_for(lambda: self.in_flight == 0)

    def reopen(self) -> None:
        with self.condition:
            self.is_open = True
            self.condition.notify_all()

    def stop(self) -> None:
        with self.condition:
            self.stopped = True
            self.condition.notify_all()


def client_loop(base_url: str, workload: Workload, tally: Tally, gate: Gate, number: int) -> None:
    """Requests of weighted random kinds while the gate lets them through; every outcome goes to the tally."""
    chooser = random.Random(number)
    kinds, weights = list(KINDS), [weight for weight, _ in KINDS.values()]
    while gate.enter():
        kind = chooser.choices(kinds, weights)[0]
        started = time.perf_counter()
        try:
            status, seconds, what, _ = one_request(base_url, workload, kind, chooser)
        except (OSError, ValueError) as error:  # no answer (refused, reset, timed out) or an unreadable one
            status, seconds, what = type(error).__name__, time.perf_counter() - started, str(error)[:160]
        finally:
            gate.leave()
        tally.add(kind, status, seconds, what)
