"""Every moderation route, API and page: staff and executives get 403, anonymous callers 401 (API) or the login
page, moderators and admins get through. The table must name every route the moderation blueprints have."""

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from flask import url_for
from sqlalchemy import select

from core.extensions import db
from moderation import services
from moderation.models import DuplicateSuggestion, Merge
from tests.conftest import csrf_token_from
from tests.moderation.support import comment_on, new_idea

REFUSED_ROLES = ("staff", "executive")
ALLOWED_ROLES = ("moderator", "admin")
NOT_THROUGH = {400, 401, 403}  # 400 would be a failed CSRF check, not the view


@dataclass(frozen=True)
class Route:
    """One route: its endpoint and method, the URL values and the body, each computed from the scene."""

    endpoint: str
    method: str = "GET"
    values: object = field(default=lambda s: {})
    body: object = field(default=lambda s: None)

    @property
    def is_api(self) -> bool:
        """JSON API (token, 401) or page (session, login redirect)."""
        return self.endpoint.startswith("moderation_api.")

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint}"


def _idea(action: str) -> dict:
    """The URL values of an idea action page route."""
    return {"values": lambda s: {"idea_id": s.idea, "action": action}}


ROUTES = [
    Route("moderation_api.flag_queue"),
    Route("moderation_api.dismiss_flags", "POST", body=lambda s: {"target_type": "idea", "target_id": s.idea}),
    *(Route(f"moderation_api.idea_{a}", "POST", lambda s: {"idea_id": s.idea}) for a in ("hide", "restore", "lock")),
    Route("moderation_api.idea_unlock", "POST", lambda s: {"idea_id": s.idea}),
    Route("moderation_api.comment_hide", "POST", lambda s: {"comment_id": s.comment}),
    Route("moderation_api.comment_restore", "POST", lambda s: {"comment_id": s.comment}),
    Route("moderation_api.merge", "POST", lambda s: {"idea_id": s.idea}, lambda s: {"into": s.other}),
    Route("moderation_api.unmerge", "POST", lambda s: {"idea_id": s.merged}),
    Route("moderation_api.move_comment", "POST", lambda s: {"comment_id": s.comment}, lambda s: {"to_idea": s.other}),
    Route("moderation_api.undo_move", "POST", lambda s: {"move_id": s.move}),
    Route("moderation_api.retry_merge", "POST", lambda s: {"merge_id": s.merge}),
    Route("moderation_api.cancel_merge", "POST", lambda s: {"merge_id": s.merge}),
    Route("moderation_api.duplicates"),
    Route("moderation_api.dismiss_duplicate", "POST", lambda s: {"suggestion_id": s.suggestion}),
    Route("moderation_api.audit_log"),
    Route("moderation.index"),
    Route("moderation.duplicates"),
    Route("moderation.history"),
    Route("moderation.audit"),
    Route("moderation.job", values=lambda s: {"job_id": s.job}),
    Route("moderation.move", values=lambda s: {"comment_id": s.comment}),
    Route("moderation.move", "POST", lambda s: {"comment_id": s.comment}, lambda s: {"new_title": "A new idea"}),
    *(Route("moderation.idea_action", "POST", **_idea(action)) for action in ("hide", "restore", "lock", "unlock")),
    Route("moderation.comment_action", "POST", lambda s: {"comment_id": s.comment, "action": "hide"}),
    Route("moderation.comment_action", "POST", lambda s: {"comment_id": s.comment, "action": "restore"}),
    Route("moderation.merge_target", values=lambda s: {"idea_id": s.idea}),
    Route("moderation.merge", "POST", lambda s: {"idea_id": s.idea}, lambda s: {"into": s.other}),
    Route("moderation.unmerge", "POST", lambda s: {"idea_id": s.merged}),
    Route("moderation.undo_move", "POST", lambda s: {"move_id": s.move}),
    Route("moderation.retry_merge", "POST", lambda s: {"merge_id": s.merge}),
    Route("moderation.cancel_merge", "POST", lambda s: {"merge_id": s.merge}),
    Route("moderation.dismiss_flags", "POST", body=lambda s: {"target_type": "idea", "target_id": s.idea}),
    Route("moderation.dismiss_duplicate", "POST", lambda s: {"suggestion_id": s.suggestion}),
]
OPEN_TO_EVERYONE = {("moderation_api.create_flag", "POST"), ("flags.flag", "POST")}  # flagging: every signed-in user


@pytest.fixture
def scene(make_user, api, moderator, finish):
    """An idea with a comment, another idea, an idea merged into it, a finished move, a suggestion, a job."""
    author = make_user()
    idea, other, merged = new_idea(author), new_idea(author), new_idea(author)
    comment = comment_on(author, idea.id)
    moved = comment_on(author, idea.id, "Moved elsewhere.")
    client = api(moderator)
    merge_job = finish(client.post(f"/api/v1/ideas/{merged.id}/merge", json={"into": other.id}), client)
    move_job = finish(client.post(f"/api/v1/comments/{moved.id}/move", json={"to_idea": other.id}), client)
    services.suggest_duplicates(other.id, 0.0)  # "Idea number …" titles are alike; the job may have done it already
    db.session.commit()
    suggestion = db.session.scalars(select(DuplicateSuggestion)).first()
    return SimpleNamespace(
        idea=idea.id,
        other=other.id,
        merged=merged.id,
        comment=comment.id,
        move=move_job["result"]["move_id"],
        suggestion=suggestion.id,
        job=merge_job["id"],
        merge=db.session.scalar(select(Merge.id)),
    )


@pytest.fixture
def call(app, api, login_as, scene):
    """call(route, user) -> response: API routes with the user's token, pages through a signed-in session
    (with the CSRF token on POST); user None is anonymous: no credentials at all for the API, a signed-out
    browser session (holding the login page's CSRF token) for pages."""

    def request(route: Route, user):
        with app.test_request_context():
            path = url_for(route.endpoint, **route.values(scene))
        body = route.body(scene)
        if route.is_api:
            return api(user).request(route.method, path, json=body)  # api(None): no token, no session at all
        client = login_as(user) if user is not None else _signed_out(app)
        if route.method == "GET":
            return client.get(path)
        return client.post(path, data={"csrf_token": client.csrf, **(body or {})})

    return request


def _signed_out(app):
    """A client that is not signed in but holds a session's CSRF token, as a browser on the login page does."""
    client = app.test_client()
    client.csrf = csrf_token_from(client.get("/login").get_data(as_text=True))
    return client


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_staff_and_executives_are_refused(route, users, call):
    for role in REFUSED_ROLES:
        response = call(route, users[role])
        assert response.status_code == 403, (role, response.get_data(as_text=True)[:300])
        if route.is_api:
            assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous_callers_are_asked_to_sign_in(route, call):
    response = call(route, None)
    if route.is_api:
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_moderators_and_admins_get_through(route, users, call):
    for role in ALLOWED_ROLES:
        response = call(route, users[role])
        assert response.status_code not in NOT_THROUGH and response.status_code < 500, (role, response.status_code)


def test_the_table_names_every_moderation_route(app):
    rules = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("moderation", "moderation_api", "flags")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert rules - OPEN_TO_EVERYONE == {(route.endpoint, route.method) for route in ROUTES}
