"""Votes and comments stay exact under concurrent requests, on SQLite and on PostgreSQL alike.

Real threads, each with its own test client (every request in its own app context), start together
behind a barrier. Each thread's last action is fixed in advance, so the final voters are known.
"""

import random
import threading

from tests.conftest import ApiClient
from tests.ideas.support import (
    idea_url,
    ok_json,
    post_idea,
    stored_vote_count,
    vote_rows,
    voter_ids,
)

THREADS = 16
VOTERS = 8  # two threads per voter, so the same user's requests race each other too
STEPS = 12
SEED = 20261122


def run_together(app, jobs: list) -> list:
    """Run each job(client) in its own thread, all released at once; returns every (status, body) they saw."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [], []
    lock = threading.Lock()

    def worker(job):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                seen = job()
            with lock:
                results.extend(seen)
        except Exception as exc:  # noqa: BLE001 - a thread's failure must reach the test, not vanish
            with lock:
                errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert errors == []
    return results


def voting_job(app, token: str, idea_id: int, actions: list[str]):
    """A job that sends these vote requests in order with its own client."""

    def job():
        client = ApiClient(app.test_client(), token)
        responses = [client.request(method, idea_url(idea_id, "/vote")) for method in actions]
        return [(response.status_code, response.get_json()) for response in responses]

    return job


def planned_actions(thread: int, last: str) -> list[str]:
    """Random PUT/DELETE requests for one thread, ending with `last`."""
    rng = random.Random(SEED + thread)
    return [rng.choice(("PUT", "DELETE")) for _ in range(STEPS - 1)] + [last]


def test_concurrent_votes_and_unvotes_end_exact(app, api, users, make_user, db):
    author = users["staff"]
    idea_id = post_idea(api(author))["id"]
    voters = [make_user() for _ in range(VOTERS)]
    tokens = [api(voter).token for voter in voters]
    final = {voter.id: ("PUT" if index % 3 != 0 else "DELETE") for index, voter in enumerate(voters)}
    jobs = []
    for thread in range(THREADS):
        voter = voters[thread % VOTERS]
        jobs.append(voting_job(app, tokens[thread % VOTERS], idea_id, planned_actions(thread, final[voter.id])))
    results = run_together(app, jobs)

    assert len(results) == THREADS * STEPS
    assert [status for status, _ in results if status != 200] == []
    assert all(0 <= body["vote_count"] <= VOTERS + 1 for _, body in results)
    expected = {author.id} | {user_id for user_id, last in final.items() if last == "PUT"}
    assert voter_ids(idea_id) == expected
    assert stored_vote_count(idea_id) == vote_rows(idea_id) == len(expected)
    assert ok_json(api(author).get(idea_url(idea_id)))["vote_count"] == len(expected)


def commenting_job(app, token: str, idea_id: int, count: int):
    """A job that posts `count` comments with its own client."""

    def job():
        client = ApiClient(app.test_client(), token)
        responses = [client.post(idea_url(idea_id, "/comments"), json={"body": f"Comment {n}"}) for n in range(count)]
        return [(response.status_code, response.get_json()) for response in responses]

    return job


def test_concurrent_comments_and_votes_keep_both_counters_exact(app, api, users, make_user, db):
    idea_id = post_idea(api(users["staff"]))["id"]
    people = [make_user() for _ in range(THREADS // 2)]
    tokens = [api(person).token for person in people]
    jobs = [commenting_job(app, token, idea_id, 3) for token in tokens]
    jobs += [voting_job(app, token, idea_id, ["PUT", "DELETE", "PUT"]) for token in tokens]
    results = run_together(app, jobs)

    assert sorted({status for status, _ in results}) == [200, 201]
    idea = ok_json(api(users["staff"]).get(idea_url(idea_id)))
    comments = ok_json(api(users["staff"]).get(idea_url(idea_id, "/comments")))["items"]
    assert idea["comment_count"] == len(comments) == 3 * len(people)
    assert idea["vote_count"] == vote_rows(idea_id) == len(people) + 1
