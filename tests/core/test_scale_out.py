"""Two web processes and two workers on one PostgreSQL and one Redis: votes exact, every notification once, every
job done.

What the test runs:
1. Two gunicorn servers, each `gunicorn -c gunicorn.conf.py --workers 1 wsgi:app` on a port of its own: two
   masters, as on two hosts behind a load balancer, that share nothing but PostgreSQL and Redis (each has its
   own preloaded app, connection pool and similarity index). Two `flask --app wsgi worker` processes. All run
   on the test's database and Redis db; e-mail goes to a real SMTP server of the test's own.
2. A bounded mixed workload from THREADS threads, each request sent to the two servers in turn, with Bearer
   tokens: AUTHORS post ideas; then VOTERS vote on the same ideas at once, some take votes back and two
   unfollow an idea; then, at the same time, an executive answers some ideas, a moderator merges others
   into others, and the voters keep voting and unvoting on the remaining ideas.
3. Once no job is queued or running (at most JOBS_SECONDS), it checks that:
   - each idea's vote_count equals its vote rows, and the rows are exactly the votes the workload left
     (a merge target holds its own voters and its source's);
   - every merge is done;
   - the notifications are exactly one per sponsor of each answered idea (its author and everyone who voted,
     except who unfollowed) and one per sponsor of each merged idea: nobody missing, nobody else, nothing twice;
   - the SMTP server got exactly one e-mail per notification of each user who wants e-mail at once (counted by
     recipient and subject), and no other; each Message-ID once;
   - every job finished, and each of the two workers finished some of them (RQ's "Job OK" log lines);
   - every request answered as expected (none 500 or more), and each server answered some of them.
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import count

import pytest
from sqlalchemy import select

from accounts import services as account_services
from core.extensions import db
from core.models import JobRecord
from ideas.models import Idea, Vote
from moderation.models import Merge
from notifications.models import Notification
from tests.conftest import REPO_ROOT
from tests.core.support import flask_worker, kill_all, worker_environment
from tests.notifications.servers import SmtpInbox, free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(
        not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")),
        reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL): the processes share them",
    ),
]
WEB_PROCESSES, WORKERS, THREADS = 2, 2, 8
AUTHORS, IDEAS_EACH, VOTERS = 6, 3, 16
ANSWERED, MERGED = 4, 3  # ideas answered; pairs merged (source into target); the rest are free
BOOT_SECONDS, JOBS_SECONDS = 60, 120
PREFERENCES = ("immediate", "immediate", "immediate", "digest", "never")  # by voter number
ANSWER = {"status": "planned", "body": "We will do this next quarter."}
JOB_DONE = re.compile(r"Job OK \((?P<id>[0-9a-f-]{36})\)")  # RQ's line when a job finished


# ---------------------------------------------------------------- processes


def start_web(app, log_path, smtp_url: str) -> tuple[subprocess.Popen, str]:
    """One gunicorn master with one worker, on the shipped config and the test's database and Redis."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "1"]
    command += ["--bind", f"127.0.0.1:{port}", "--no-control-socket", "wsgi:app"]
    environment = worker_environment(app, SMTP_URL=smtp_url, BASE_URL=url)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    return process, url


def wait_until_serving(process: subprocess.Popen, url: str, log_path) -> None:
    """Poll /healthz until it answers 200; fail with the log when gunicorn exits or BOOT_SECONDS pass."""
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"gunicorn exited:\n{log_path.read_text()}"
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {BOOT_SECONDS} s:\n{log_path.read_text()}")


def stop_all(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to all at once (gunicorn then removes its metrics folder, RQ lets its work-horse finish), then
    SIGKILL the tree of any that is still running after 20 s."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 20
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            kill_all(process)


# ---------------------------------------------------------------- the clients


@dataclass
class Answer:
    """One request of the workload and what it answered."""

    server: str
    method: str
    path: str
    status: int
    body: dict


class Web:
    """Sends each request to the next server in turn, as a round-robin load balancer; keeps every answer."""

    def __init__(self, urls: list[str]):
        self.urls, self.answers, self._turn = urls, [], count()

    def call(self, token: str, method: str, path: str, body: dict | None = None) -> Answer:
        """One JSON request with a Bearer token, to the next server; the answer, also kept in `answers`."""
        server = self.urls[next(self._turn) % len(self.urls)]
        request = urllib.request.Request(
            server + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        answer = Answer(server, method, path, status, parsed(payload))
        self.answers.append(answer)
        return answer


def parsed(payload: bytes) -> dict:
    """The JSON body; a body that is not JSON (a proxy's or gunicorn's own error page) is kept as text."""
    try:
        return json.loads(payload or b"{}")
    except ValueError:
        return {"text": payload.decode(errors="replace")[:300]}


def all_at_once(calls: list) -> list:
    """Run the calls (functions of no argument) on THREADS threads; their results, in order."""
    with ThreadPoolExecutor(THREADS) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


# ---------------------------------------------------------------- the workload and what it should leave


@dataclass
class Person:
    """A user of the workload, with the token it calls the API with."""

    id: int
    email: str
    token: str
    preference: str = "immediate"


@dataclass
class Ledger:
    """What the workload did, to compute what the database must hold."""

    authors: dict[int, int] = field(default_factory=dict)  # idea id -> author id
    voted: dict[int, set[int]] = field(default_factory=dict)  # idea id -> users whose vote stands
    ever_voted: dict[int, set[int]] = field(default_factory=dict)  # idea id -> everyone who voted (they follow)
    unfollowed: dict[int, set[int]] = field(default_factory=dict)
    merges: dict[int, int] = field(default_factory=dict)  # source id -> target id

    def vote(self, idea_id: int, user_id: int) -> None:
        """The user voted (and so follows the idea)."""
        self.voted[idea_id].add(user_id)
        self.ever_voted[idea_id].add(user_id)

    def expected_votes(self, idea_id: int) -> set[int]:
        """The voters the idea must hold: its own standing votes and those of the ideas merged into it."""
        merged_in = [source for source, target in self.merges.items() if target == idea_id]
        return self.voted[idea_id].union(*(self.voted[source] for source in merged_in))

    def sponsors(self, idea_id: int, actor_id: int) -> set[int]:
        """Author and everyone who voted (a vote follows; taking it back does not unfollow), minus who
        unfollowed, minus who acted."""
        people = {self.authors[idea_id], *self.ever_voted[idea_id]}
        return people - self.unfollowed.get(idea_id, set()) - {actor_id}


def make_person(make_user, role: str = "staff", preference: str = "immediate") -> Person:
    """A user with that e-mail preference and an API token."""
    user = make_user(role)
    account_services.set_email_preference(user, preference)
    token = account_services.create_token(user, "scale-out")
    db.session.commit()
    return Person(user.id, user.email, token, preference)


def post_ideas(web: Web, authors: list[Person], ledger: Ledger) -> list[int]:
    """Every author posts IDEAS_EACH ideas, all at once; returns the ids in a fixed order."""

    def post(author: Person, number: int):
        title = f"Scale-out idea {author.id}-{number}: {('desks', 'plants', 'trains')[number]} for everyone"
        return author, web.call(author.token, "POST", "/api/v1/ideas", {"title": title, "body": "Why not?"})

    posted = all_at_once([lambda a=a, n=n: post(a, n) for a in authors for n in range(IDEAS_EACH)])
    for author, answer in posted:
        assert answer.status == 201, answer
        ledger.authors[answer.body["id"]] = author.id
        ledger.voted[answer.body["id"]] = {author.id}  # posting votes for it
        ledger.ever_voted[answer.body["id"]] = {author.id}
    return [answer.body["id"] for _, answer in posted]


def votes_then_unvotes(web: Web, voter: Person, vote_on: list[int], unvote_on: list[int]) -> list[Answer]:
    """One voter's requests, in order (different voters run at once)."""
    answers = [web.call(voter.token, "PUT", f"/api/v1/ideas/{idea_id}/vote") for idea_id in vote_on]
    return answers + [web.call(voter.token, "DELETE", f"/api/v1/ideas/{idea_id}/vote") for idea_id in unvote_on]


def voting_plan(voters: list[Person], contested: list[int], free: list[int], round_: int) -> list[tuple]:
    """(voter, vote on, unvote on): each voter votes on every contested idea and on two free ones; every
    fourth takes two votes back."""
    plan = []
    for number, voter in enumerate(voters):
        vote_on = contested + [free[(number + round_) % len(free)], free[(number * 3 + round_ + 1) % len(free)]]
        unvote_on = vote_on[number % 3 :: 5][:2] if number % 4 == round_ % 4 else []
        plan.append((voter, list(dict.fromkeys(vote_on)), unvote_on))
    return plan


def record_votes(ledger: Ledger, plan: list[tuple]) -> None:
    """Write the plan into the ledger: each voter's votes, then the votes they take back."""
    for voter, vote_on, unvote_on in plan:
        for idea_id in vote_on:
            ledger.vote(idea_id, voter.id)
        for idea_id in unvote_on:
            ledger.voted[idea_id].discard(voter.id)


def run_votes(web: Web, plan: list[tuple]) -> list:
    """The plan's calls, one per voter, for all_at_once."""
    return [lambda v=v, up=up, down=down: votes_then_unvotes(web, v, up, down) for v, up, down in plan]


def unfollow(web: Web, ledger: Ledger, person: Person, idea_id: int) -> None:
    """The person unfollows the idea (through the API), and the ledger notes it."""
    answer = web.call(person.token, "DELETE", f"/api/v1/ideas/{idea_id}/follow")
    assert answer.status == 200, answer
    ledger.unfollowed.setdefault(idea_id, set()).add(person.id)


# ---------------------------------------------------------------- reading the outcome


def wait_for_every_job(log_paths) -> list[JobRecord]:
    """The job records, once none is queued or started; fails with the workers' logs after JOBS_SECONDS."""
    deadline = time.monotonic() + JOBS_SECONDS
    while time.monotonic() < deadline:
        db.session.commit()
        records = db.session.scalars(select(JobRecord)).all()
        if records and all(record.status in ("finished", "failed") for record in records):
            return records
        time.sleep(0.5)
    logs = "\n".join(path.read_text() for path in log_paths)
    pytest.fail(f"jobs still unfinished after {JOBS_SECONDS} s:\n{logs}")


def vote_rows() -> dict[int, set[int]]:
    """idea id -> the users whose vote row it has."""
    rows: dict[int, set[int]] = {}
    for idea_id, user_id in db.session.execute(select(Vote.idea_id, Vote.user_id)):
        rows.setdefault(idea_id, set()).add(user_id)
    return rows


def notification_rows() -> Counter:
    """(kind, user, idea) of every notification, counted."""
    return Counter(db.session.execute(select(Notification.kind, Notification.user_id, Notification.idea_id)))


def expected_notifications(ledger: Ledger, answered: list[int], executive: Person, moderator: Person) -> Counter:
    """(kind, user, idea) the ledger calls for: answered ideas' sponsors, merge sources' (about the target)."""
    expected = Counter()
    for idea_id in answered:
        expected.update(("idea_responded", user, idea_id) for user in ledger.sponsors(idea_id, executive.id))
    for source, target in ledger.merges.items():
        expected.update(("idea_merged", user, target) for user in ledger.sponsors(source, moderator.id))
    return expected


def expected_mail(people: dict[int, Person]) -> Counter:
    """(recipient, subject) of each notification of a user who wants e-mail at once."""
    rows = db.session.execute(select(Notification.user_id, Notification.subject))
    return Counter((people[user].email, subject) for user, subject in rows if people[user].preference == "immediate")


# ---------------------------------------------------------------- the test


def test_two_web_processes_and_two_workers_count_every_vote_and_notify_every_sponsor_once(app, make_user, tmp_path):
    authors = [make_person(make_user) for _ in range(AUTHORS)]
    voters = [make_person(make_user, preference=PREFERENCES[n % len(PREFERENCES)]) for n in range(VOTERS)]
    executive, moderator = make_person(make_user, "executive"), make_person(make_user, "moderator")
    people = {person.id: person for person in (*authors, *voters, executive, moderator)}
    inbox, processes, logs = SmtpInbox().start(), [], []
    try:
        urls = start_processes(app, inbox, tmp_path, processes, logs)
        web, ledger = Web(urls), Ledger()
        answered, merges = run_workload(web, ledger, authors, voters, executive, moderator)
        records = wait_for_every_job(logs[WEB_PROCESSES:])
    finally:
        stop_all(processes)
        inbox.stop()

    assert_every_request_answered_as_expected(web)
    assert_every_job_finished(records, logs[WEB_PROCESSES:])
    assert_votes_exact(ledger)
    assert_merges_done(merges)
    assert notification_rows() == expected_notifications(ledger, answered, executive, moderator)
    assert_every_mail_once(inbox, people)


def start_processes(app, inbox: SmtpInbox, tmp_path, processes: list, logs: list) -> list[str]:
    """WEB_PROCESSES gunicorn servers and WORKERS RQ workers; returns the servers' URLs once they answer."""
    servers = []
    for number in range(WEB_PROCESSES):
        logs.append(tmp_path / f"web{number}.log")
        process, url = start_web(app, logs[-1], inbox.url)
        processes.append(process)
        servers.append((process, url, logs[-1]))
    for number in range(WORKERS):
        logs.append(tmp_path / f"worker{number}.log")
        processes.append(flask_worker(app, logs[-1], SMTP_URL=inbox.url))
    for process, url, log_path in servers:
        wait_until_serving(process, url, log_path)
    return [url for _, url, _ in servers]


def run_workload(web: Web, ledger: Ledger, authors, voters, executive: Person, moderator: Person) -> tuple:
    """Post, vote at once, then answer, merge and vote again at once; returns (answered ideas, merges)."""
    ideas = post_ideas(web, authors, ledger)
    answered = ideas[:ANSWERED]
    sources, targets = ideas[ANSWERED : ANSWERED + MERGED], ideas[ANSWERED + MERGED : ANSWERED + 2 * MERGED]
    free = ideas[ANSWERED + 2 * MERGED :]

    first_round = voting_plan(voters, answered + sources + targets, free, 0)
    record_votes(ledger, first_round)
    all_at_once(run_votes(web, first_round))
    unfollow(web, ledger, voters[1], answered[0])
    unfollow(web, ledger, voters[2], sources[0])

    second_round = voting_plan(voters, [], free, 1)
    record_votes(ledger, second_round)
    ledger.merges.update(zip(sources, targets, strict=True))
    answers = [lambda i=i: web.call(executive.token, "POST", f"/api/v1/ideas/{i}/responses", ANSWER) for i in answered]
    merge_calls = [
        lambda s=s, t=t: web.call(moderator.token, "POST", f"/api/v1/ideas/{s}/merge", {"into": t})
        for s, t in ledger.merges.items()
    ]
    all_at_once(answers + merge_calls + run_votes(web, second_round))
    return answered, ledger.merges


# ---------------------------------------------------------------- the checks


def expected_status(answer: Answer) -> int:
    """The status each kind of request of the workload must answer."""
    if answer.path == "/api/v1/ideas":
        return 201
    if answer.path.endswith("/responses"):
        return 201
    if answer.path.endswith("/merge"):
        return 202
    return 200


def assert_every_request_answered_as_expected(web: Web) -> None:
    """Both servers answered, none with 500 or more, and every answer is the one its kind expects."""
    served = Counter(answer.server for answer in web.answers)
    assert len(served) == WEB_PROCESSES and min(served.values()) > 0, served
    failures = [answer for answer in web.answers if answer.status >= 500]
    assert not failures, failures[:5]
    unexpected = [answer for answer in web.answers if answer.status != expected_status(answer)]
    assert not unexpected, unexpected[:5]


def assert_every_job_finished(records: list[JobRecord], worker_logs) -> None:
    """Every job record finished, and both workers took part: each logged some of them as done."""
    assert {record.status for record in records} == {"finished"}, [(r.name, r.status, r.error) for r in records]
    done_by = [set(JOB_DONE.findall(path.read_text())) for path in worker_logs]
    assert all(done_by), [len(done) for done in done_by]
    assert set().union(*done_by) == {record.id for record in records}


def assert_votes_exact(ledger: Ledger) -> None:
    """Every vote_count equals its idea's vote rows, and the rows are exactly the votes the ledger left."""
    db.session.commit()
    rows = vote_rows()
    counts = dict(db.session.execute(select(Idea.id, Idea.vote_count)).all())
    assert {idea_id: len(rows.get(idea_id, ())) for idea_id in counts} == counts  # counters match the rows
    expected = {idea_id: ledger.expected_votes(idea_id) for idea_id in ledger.authors}
    assert {idea_id: rows.get(idea_id, set()) for idea_id in expected} == expected


def assert_merges_done(merges: dict[int, int]) -> None:
    """Every merge is done, and each source now points at its target."""
    done = dict(db.session.execute(select(Merge.source_id, Merge.target_id).where(Merge.state == "done")).all())
    assert done == merges
    merged_into = dict(db.session.execute(select(Idea.id, Idea.merged_into_id).where(Idea.id.in_(merges))).all())
    assert merged_into == merges


def assert_every_mail_once(inbox: SmtpInbox, people: dict[int, Person]) -> None:
    """One e-mail per notification of each user who wants e-mail at once, none other, each Message-ID once."""
    received = Counter((message["X-Envelope-To"], message["Subject"]) for message in inbox.messages)
    assert received == expected_mail(people)
    message_ids = Counter(message["Message-ID"] for message in inbox.messages)
    assert max(message_ids.values()) == 1, message_ids.most_common(3)
