"""The JSON API fuzzed against its own OpenAPI document with schemathesis (property-based, bounded).

What it proves: for every operation that GET /api/v1/openapi.json documents, the requests schemathesis
generates from the document (valid ones, and invalid ones: wrong types, missing fields, odd ids, methods
a path does not document) never make the real app answer 5xx, and every answer, success or error, has a
documented content type and a body that matches the schema the document gives for its status. Each
request is sent twice, with the real Bearer token of an admin (who may reach every route) and of a staff
member (who is refused the moderation and admin routes, and sees less), so the refusals and what staff
see are checked too.

Each operation is one test with a fresh small scene, made through the services: people, a campaign,
ideas (one for a department, one anonymous, one merged, one locked), comments (a hidden reply, a moved
one), flags, a pending merge, a duplicate pair, a webhook, an official response. Three cases in four
have their path ids, and the ids their JSON body names, pointed at objects of the scene, so the requests
reach past the 404s; the fourth keeps what was generated. All examples of an operation share its scene,
so a destructive operation (DELETE a webhook, merge, hide) spoils only its own test.

Bounds: EXAMPLES_PER_OPERATION generated examples per operation, plus schemathesis' coverage cases
(boundary and invalid values, about 10 to 80 an operation), each sent twice. Generation is deterministic
(a fixed seed, derandomized Hypothesis, no example database): every run sends the same requests.
EXCLUDED_OPERATIONS lists each documented operation that is not fuzzed, and why; a test keeps it true.
"""

import json
import zlib
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rq import SimpleWorker
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from accounts import services as account_services
from accounts.models import User
from core import create_app
from core.extensions import db
from core.models import JobRecord
from core.redis_client import redis_connection
from ideas import services as idea_services
from ideas.models import Comment, Idea
from moderation import merges, moves
from moderation import services as flag_services
from moderation.models import DuplicateSuggestion, Merge
from notifications import webhooks
from review import campaigns, responses
from tests.conftest import PASSWORD

OPENAPI_PATH = "/api/v1/openapi.json"
EXAMPLES_PER_OPERATION = 20
SEED = 20240611
CALLERS = ("admin", "staff")
# Every operation documents a `default` (error) answer, so status_code_conformance holds for any status; the
# body of an error must still match the Error schema, which response_schema_conformance checks.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Documented operations that are not fuzzed, each with its reason. Every other one is (a test checks it).
EXCLUDED_OPERATIONS = {
    f"GET {OPENAPI_PATH}": "schemathesis never fuzzes the operation that served it the document; "
    "test_the_fuzzed_document_is_the_one_the_app_serves calls it instead",
}
# JSON body fields that name an object, and the path parameter whose scene ids they take.
BODY_IDS = {
    "into": "idea_id",
    "to_idea": "idea_id",
    "target_id": "idea_id",  # or comment_id, when target_type says "comment"
    "parent_id": "comment_id",
    "campaign_id": "campaign_id",
}
# Of every four generated path and body ids, this many are replaced by the id of an object of the scene.
REAL_IDS_OUT_OF_FOUR = 3
# Coverage cases also send methods a path does not document; two such methods are enough to check the 405s.
UNEXPECTED_METHODS = ["patch", "trace"]
SCHEMATHESIS_CONFIG = schemathesis.Config.from_dict(
    {"seed": SEED, "phases": {"coverage": {"unexpected-methods": UNEXPECTED_METHODS}}}
)
# With Redis, the queues whose jobs the scene runs (see run_scene_jobs).
SCENE_QUEUES = ["high", "default"]
# The app that serves the document at collection: no database it would open, no Redis, whatever the lane.
DOCUMENT_APP_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "fuzz-document",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "DATABASE_REPLICA_URL": None,
    "REDIS_URL": None,
    "RATELIMIT_ENABLED": False,
    "RATELIMIT_STORAGE_URI": "memory://",
}
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    # The scene is a function-scoped fixture on purpose: every example of one operation shares it.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def served_schema():
    """The document as the app serves it. Collection needs it before the session's `app` exists, so an app of
    its own serves it (on an empty in-memory database); every fuzzed request goes to the session's `app`."""
    document_app = create_app(DOCUMENT_APP_CONFIG)
    return schemathesis.openapi.from_wsgi(OPENAPI_PATH, document_app, config=SCHEMATHESIS_CONFIG)


schema = served_schema()


@dataclass
class Scene:
    """The objects one operation is fuzzed against: each caller's token, and the ids a path parameter may take."""

    tokens: dict[str, str]
    ids: dict[str, list] = field(default_factory=dict)


def _people() -> dict[str, User]:
    """One user per role and a staff member of another department, by name."""
    people = {
        "staff": ("staff", "Engineering"),
        "moderator": ("moderator", "Engineering"),
        "executive": ("executive", "Engineering"),
        "admin": ("admin", "Engineering"),
        "outsider": ("staff", "Finance"),
    }
    return {
        name: account_services.create_user(f"{name}@example.test", name.title(), PASSWORD, role, department)
        for name, (role, department) in people.items()
    }


def _ideas(people: dict[str, User], campaign_id: int) -> list[Idea]:
    """Two alike ideas, one in the campaign, one for the outsider's department, one anonymous."""
    details = {"body": "Some **details**.", "tags": ["parking", "green"]}
    ideas = [
        ("staff", {"title": "Bike racks by the door", **details}),
        ("staff", {"title": "More bike racks by the door", **details}),
        ("staff", {"title": "Solar panels on the roof", "campaign_id": campaign_id}),
        ("outsider", {"title": "A budget app", "visibility": "department"}),
        ("outsider", {"title": "A quiet room", "anonymous": True}),
    ]
    return [idea_services.create_idea(people[author], idea) for author, idea in ideas]


def _comments(people: dict[str, User], idea: Idea) -> list[Comment]:
    """A comment, a reply to it, and a third comment (to be moved to another idea)."""
    root = idea_services.add_comment(people["staff"], idea, {"body": "Yes, please."})
    reply = idea_services.add_comment(people["admin"], idea, {"body": "Agreed.", "parent_id": root.id})
    return [root, reply, idea_services.add_comment(people["admin"], idea, {"body": "Off topic."})]


def _moderation(people: dict[str, User], ideas: list[Idea], comments: list[Comment]) -> dict[str, list]:
    """Flags, a hidden reply, a locked idea, a merge and a pending one (as a failed job leaves it), a moved
    thread and a duplicate pair."""
    staff, admin = people["staff"], people["admin"]
    flag_services.create_flag(staff, {"target_type": "idea", "target_id": ideas[0].id, "reason": "spam"})
    flag_services.create_flag(staff, {"target_type": "comment", "target_id": comments[2].id, "reason": "other"})
    flag_services.set_comment_hidden(admin, comments[1], True)
    flag_services.set_idea_state(admin, ideas[3], "lock")
    merge, _ = merges.request_merge(admin, ideas[4], ideas[2].id)
    move, _ = moves.request_move(admin, comments[2], {"to_idea": ideas[1].id})
    pending = Merge(source_id=ideas[3].id, target_id=ideas[2].id, actor_id=admin.id, state="pending")
    db.session.add(pending)
    db.session.flush()
    flag_services.suggest_duplicates(ideas[1].id, 0.0)
    suggestions = db.session.scalars(select(DuplicateSuggestion.id).order_by(DuplicateSuggestion.id))
    return {"merge_id": [merge.id, pending.id], "move_id": [move.id], "suggestion_id": list(suggestions)}


def _executive_side(people: dict[str, User], idea: Idea) -> dict[str, list]:
    """A webhook (to a loopback port where nothing listens) and an official response."""
    hook, _ = webhooks.create_webhook(people["admin"], {"url": "http://127.0.0.1:9/hook"})
    responses.respond(people["executive"], idea, {"status": "planned", "body": "We will do this in **March**."})
    return {"webhook_id": [hook.id]}


def run_scene_jobs(app) -> None:
    """With Redis, run the scene's jobs on the `high` and `default` queues (its merge, its move, the
    notifications) with a real RQ worker. The `low` queue (duplicate finding, webhook deliveries) stays
    queued: the scene adds its duplicate pair itself, and a pending delivery is one more state for the
    delivery log to show. Without Redis every job has already run, in-process."""
    if app.config["REDIS_URL"]:
        SimpleWorker(SCENE_QUEUES, connection=redis_connection()).work(burst=True, with_scheduler=False)
        db.session.expire_all()


def job_ids() -> list[str]:
    """The recorded jobs' ids, in an order that does not depend on the random ids themselves."""
    records = sorted(db.session.scalars(select(JobRecord)), key=lambda job: (job.name, json.dumps(job.args)))
    return [record.id for record in records]


def build_scene(app) -> Scene:
    """The scene, made through the services (each stage committed, so its jobs run as they would)."""
    people = _people()
    tokens = {name: account_services.create_token(user, "fuzz") for name, user in people.items()}
    campaign = campaigns.create_campaign(people["admin"], {"title": "Greener office", "vote_threshold": 3})
    db.session.commit()
    ideas = _ideas(people, campaign.id)
    db.session.commit()
    comments = _comments(people, ideas[0])
    hook = _executive_side(people, ideas[0])
    db.session.commit()
    scene = Scene(tokens, {"idea_id": [idea.id for idea in ideas], "comment_id": [c.id for c in comments], **hook})
    scene.ids.update(_moderation(people, ideas, comments), campaign_id=[campaign.id])
    db.session.commit()
    run_scene_jobs(app)
    scene.ids["job_id"] = job_ids()
    return scene


@pytest.fixture
def scene(app) -> Scene:
    """One operation's scene, shared by all its examples (the `db` fixture empties it before the next)."""
    return build_scene(app)


def fingerprint(case) -> int:
    """A checksum of what the case sends, the same on every run (the body's absence is named by its type)."""
    sent = [case.path_parameters, case.query, case.body]
    return zlib.crc32(json.dumps(sent, sort_keys=True, default=lambda value: type(value).__name__).encode())


def whole_number(value) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.removeprefix("-").isdecimal()
    )


def pointed_at_scene(name: str, value, ids: list, checksum: int):
    """The id of an object of the scene (three cases in four; which one depends on the field too, so that a
    path id and a body id may differ), or the value as generated: always so when a numeric id is not even a
    number (it then tests how the route takes a malformed value)."""
    if not ids or checksum % 4 >= REAL_IDS_OUT_OF_FOUR or (isinstance(ids[0], int) and not whole_number(value)):
        return value
    return ids[zlib.crc32(f"{name}:{checksum}".encode()) % len(ids)]


def point_ids_at_scene(case, scene: Scene) -> None:
    """Point the case's path ids, and the ids its JSON body names, at the scene."""
    checksum = fingerprint(case)
    for name, value in (case.path_parameters or {}).items():
        case.path_parameters[name] = pointed_at_scene(name, value, scene.ids.get(name, []), checksum)
    if isinstance(case.body, dict):
        for key in BODY_IDS.keys() & case.body.keys():
            kind = "comment_id" if key == "target_id" and case.body.get("target_type") == "comment" else BODY_IDS[key]
            case.body[key] = pointed_at_scene(key, case.body[key], scene.ids[kind], checksum)


def send_as(caller: str, case, app, scene: Scene) -> None:
    """Send the case with the caller's token and run every check on the answer. On a 5xx, pytest's
    "Captured log call" holds the app's traceback (core.errors logs it)."""
    headers = {"Authorization": f"Bearer {scene.tokens[caller]}"}
    try:
        case.call_and_validate(session=app.test_client(), headers=headers, checks=CHECKS)
    except FailureGroup as failures:
        raise AssertionError(f"Sent with the Bearer token of the {caller}.\n{failures}") from None


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_answer_matches_the_document(case, app, scene):
    point_ids_at_scene(case, scene)
    for caller in CALLERS:
        send_as(caller, case, app, scene)


def test_the_fuzzed_document_is_the_one_the_app_serves(app):
    assert app.test_client().get(OPENAPI_PATH).get_json() == schema.raw_schema


def test_every_documented_operation_is_fuzzed_or_excluded_with_a_reason():
    documented = {f"{method.upper()} {path}" for path, item in schema.raw_schema["paths"].items() for method in item}
    fuzzed = {result.ok().label for result in schema.get_all_operations()}
    assert documented - fuzzed == set(EXCLUDED_OPERATIONS)
