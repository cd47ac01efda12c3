"""Who may call each route: every route of the URL map, as every kind of caller, on every kind of idea.

ROUTES says once, for each (method, rule) of `app.url_map`, who may call the route and how the idea it acts
on changes that; `expected` turns a row into the answers each caller must get. The first test fails when a
route has no row (a new route must say who may call it) or a row names a route that is gone. The matrix test
calls every route as anonymous, staff, staff of another department, moderator, executive and admin, on a
visible, a hidden, a department-only and a merged idea where the route takes one, and lists every answer the
table does not allow: a route that lets in someone it should not, refuses someone it should not, or fails.
How each route is called (the scene that fills its path, its body) is in route_matrix_support.py.
"""

import re
from dataclasses import dataclass
from itertools import product

import pytest

from tests.core.route_matrix_support import (
    ADMIN,
    ANONYMOUS,
    CALLERS,
    CALLS,
    DEPARTMENT,
    EXECUTIVE,
    HIDDEN,
    KINDS,
    LOGIN,
    MERGED,
    MODERATOR,
    OUTSIDER,
    VISIBLE,
    Callers,
    Request,
    Scene,
    answer,
    detail,
)
from tests.notifications.servers import WebhookReceiver

ANYONE, SIGNED_IN = "anyone", "signed in"
MAY_CALL = {
    ANYONE: set(CALLERS),
    SIGNED_IN: set(CALLERS) - {ANONYMOUS},
    MODERATOR: {MODERATOR, ADMIN},  # admins have every role
    EXECUTIVE: {EXECUTIVE, ADMIN},
    ADMIN: {ADMIN},
}
# The visibility rule, written again: moderators see hidden ideas, executives see every department's.
SEES = {
    VISIBLE: MAY_CALL[SIGNED_IN],
    DEPARTMENT: MAY_CALL[SIGNED_IN] - {OUTSIDER},
    HIDDEN: {MODERATOR, ADMIN},
    MERGED: MAY_CALL[SIGNED_IN],
}
EDITORS = {MODERATOR, ADMIN}  # of an idea someone else wrote

# How the idea in a route changes the answer, for a caller the route's role lets in:
READ = "read"  # 404 when the caller may not see the idea
CONTRIBUTE = "contribute"  # READ, and a merged idea is read-only: 409 (a page flashes why and redirects back)
EDIT = "edit"  # CONTRIBUTE's rules, and only the author and moderators: 403 for anyone else


@dataclass(frozen=True)
class Row:
    """Who may call a route. `ok` is what an allowed caller gets (by default 200 for a GET, the redirect back
    for a page's form, 200 for an API write); `merged` what they get on a merged idea when it differs."""

    who: str
    ok: int | str | None = None
    idea: str | None = None
    merged: int | None = None
    refused: int = 403  # to a signed-in caller without the role


ROUTES = {
    # core
    ("GET", "/healthz"): Row(ANYONE),
    ("GET", "/api/v1/openapi.json"): Row(ANYONE),
    ("GET", "/metrics"): Row(ANYONE),  # the suite sets no METRICS_TOKEN: then it answers anyone
    ("GET", "/api/v1/jobs/<job_id>"): Row(MODERATOR, refused=404),  # someone else's job: "no such job"
    # accounts
    ("GET", "/login"): Row(ANYONE),
    ("POST", "/login"): Row(ANYONE, ok=200),  # no e-mail: the form again
    ("GET", "/login/oidc"): Row(ANYONE, ok=404),  # single sign-on is off here; tests/accounts/test_sso.py turns it on
    ("GET", "/login/oidc/callback"): Row(ANYONE, ok=404),
    ("GET", "/logout"): Row(ANYONE, ok=LOGIN),
    ("POST", "/logout"): Row(ANYONE, ok=LOGIN),
    ("GET", "/password-reset"): Row(ANYONE),
    ("POST", "/password-reset"): Row(ANYONE, ok=LOGIN),  # "a link is on its way", on the sign-in page
    ("GET", "/password-reset/<token>"): Row(ANYONE),
    ("POST", "/password-reset/<token>"): Row(ANYONE, ok=422),  # no new password
    ("GET", "/settings"): Row(SIGNED_IN),
    ("POST", "/settings/notifications"): Row(SIGNED_IN),
    ("POST", "/settings/password"): Row(SIGNED_IN, ok=422),  # no current password
    ("POST", "/settings/sessions/end"): Row(SIGNED_IN, ok=LOGIN),
    ("POST", "/settings/tokens"): Row(SIGNED_IN, ok=200),  # the page, showing the new token once
    ("POST", "/settings/tokens/<int:token_id>/revoke"): Row(SIGNED_IN),  # someone else's: "no such token"
    ("GET", "/api/v1/me"): Row(SIGNED_IN),
    ("GET", "/admin/users"): Row(ADMIN),
    ("POST", "/admin/users/<int:user_id>/active"): Row(ADMIN),
    ("POST", "/admin/users/<int:user_id>/role"): Row(ADMIN),
    ("POST", "/admin/users/<int:user_id>/tokens/revoke"): Row(ADMIN),
    # notifications
    ("GET", "/notifications"): Row(SIGNED_IN),
    ("POST", "/notifications/read"): Row(SIGNED_IN),
    ("GET", "/unsubscribe/<token>"): Row(ANYONE),
    ("POST", "/unsubscribe/<token>"): Row(ANYONE, ok=200),
    ("GET", "/api/v1/notifications"): Row(SIGNED_IN),
    ("POST", "/api/v1/notifications/read"): Row(SIGNED_IN),
    ("GET", "/admin/webhooks"): Row(ADMIN),
    ("POST", "/admin/webhooks"): Row(ADMIN, ok=200),  # the page, showing the secret once
    ("GET", "/admin/webhooks/<int:webhook_id>"): Row(ADMIN),
    ("POST", "/admin/webhooks/<int:webhook_id>/delete"): Row(ADMIN),
    ("GET", "/admin/dead-letters"): Row(ADMIN),
    ("POST", "/admin/dead-letters/emails/<int:notification_id>/retry"): Row(ADMIN),
    ("POST", "/admin/dead-letters/webhooks/<int:delivery_id>/retry"): Row(ADMIN),
    ("GET", "/api/v1/webhooks"): Row(ADMIN),
    ("POST", "/api/v1/webhooks"): Row(ADMIN, ok=201),
    ("DELETE", "/api/v1/webhooks/<int:webhook_id>"): Row(ADMIN),
    ("GET", "/api/v1/webhooks/<int:webhook_id>/deliveries"): Row(ADMIN),
    # ideas: pages
    ("GET", "/"): Row(SIGNED_IN),
    ("GET", "/ideas/new"): Row(SIGNED_IN),
    ("POST", "/ideas/new"): Row(SIGNED_IN),
    ("POST", "/ideas/new/vote-instead"): Row(SIGNED_IN),  # the idea is in the body: on to it, voted for
    ("GET", "/ideas/<int:idea_id>"): Row(SIGNED_IN, idea=READ, merged=302),  # on to the idea it is merged into
    ("GET", "/ideas/<int:idea_id>/edit"): Row(SIGNED_IN, idea=EDIT, merged=409),
    ("POST", "/ideas/<int:idea_id>/edit"): Row(SIGNED_IN, idea=EDIT, merged=409),
    ("POST", "/ideas/<int:idea_id>/vote"): Row(SIGNED_IN, idea=CONTRIBUTE),
    ("POST", "/ideas/<int:idea_id>/follow"): Row(SIGNED_IN, idea=CONTRIBUTE),
    ("POST", "/ideas/<int:idea_id>/comments"): Row(SIGNED_IN, idea=CONTRIBUTE),
    ("GET", "/campaigns"): Row(SIGNED_IN),
    ("GET", "/campaigns/<int:campaign_id>"): Row(SIGNED_IN),
    # ideas: API
    ("GET", "/api/v1/ideas"): Row(SIGNED_IN),
    ("POST", "/api/v1/ideas"): Row(SIGNED_IN, ok=201),
    ("GET", "/api/v1/ideas/similar"): Row(SIGNED_IN),
    ("GET", "/api/v1/ideas/<int:idea_id>"): Row(SIGNED_IN, idea=READ),
    ("PATCH", "/api/v1/ideas/<int:idea_id>"): Row(SIGNED_IN, idea=EDIT),
    ("PUT", "/api/v1/ideas/<int:idea_id>/vote"): Row(SIGNED_IN, idea=CONTRIBUTE),
    ("DELETE", "/api/v1/ideas/<int:idea_id>/vote"): Row(SIGNED_IN, idea=CONTRIBUTE),
    ("PUT", "/api/v1/ideas/<int:idea_id>/follow"): Row(SIGNED_IN, idea=CONTRIBUTE),
    ("DELETE", "/api/v1/ideas/<int:idea_id>/follow"): Row(SIGNED_IN, idea=CONTRIBUTE),
    ("GET", "/api/v1/ideas/<int:idea_id>/comments"): Row(SIGNED_IN, idea=READ),
    ("POST", "/api/v1/ideas/<int:idea_id>/comments"): Row(SIGNED_IN, ok=201, idea=CONTRIBUTE),
    # moderation: pages (a moderator's form that the service refuses says why on the page it redirects back to)
    ("POST", "/flags"): Row(SIGNED_IN),
    ("GET", "/moderation"): Row(MODERATOR),
    ("GET", "/moderation/audit"): Row(MODERATOR),
    ("GET", "/moderation/duplicates"): Row(MODERATOR),
    ("POST", "/moderation/duplicates/<int:suggestion_id>/dismiss"): Row(MODERATOR),
    ("POST", "/moderation/flags/dismiss"): Row(MODERATOR),
    ("GET", "/moderation/jobs/<job_id>"): Row(MODERATOR),
    ("GET", "/moderation/merges"): Row(MODERATOR),
    ("POST", "/moderation/merges/<int:merge_id>/cancel"): Row(MODERATOR),
    ("POST", "/moderation/merges/<int:merge_id>/retry"): Row(MODERATOR),
    ("POST", "/moderation/moves/<int:move_id>/undo"): Row(MODERATOR),
    ("GET", "/moderation/comments/<int:comment_id>/move"): Row(MODERATOR),
    ("POST", "/moderation/comments/<int:comment_id>/move"): Row(MODERATOR),
    ("POST", "/moderation/comments/<int:comment_id>/<any(hide, restore):action>"): Row(MODERATOR),
    ("POST", "/moderation/ideas/<int:idea_id>/<any(hide, restore, lock, unlock):action>"): Row(MODERATOR, idea=READ),
    ("GET", "/moderation/ideas/<int:idea_id>/merge"): Row(MODERATOR, idea=READ),  # choose the target, preview
    ("POST", "/moderation/ideas/<int:idea_id>/merge"): Row(MODERATOR, idea=READ),  # unconfirmed: on to the preview
    ("POST", "/moderation/ideas/<int:idea_id>/unmerge"): Row(MODERATOR, idea=READ),
    # moderation: API
    ("POST", "/api/v1/flags"): Row(SIGNED_IN, ok=201, idea=READ),  # the idea is named in the body
    ("GET", "/api/v1/moderation/flags"): Row(MODERATOR),
    ("POST", "/api/v1/moderation/flags/dismiss"): Row(MODERATOR),
    ("GET", "/api/v1/moderation/duplicates"): Row(MODERATOR),
    ("POST", "/api/v1/moderation/duplicates/<int:suggestion_id>/dismiss"): Row(MODERATOR),
    ("GET", "/api/v1/audit"): Row(MODERATOR),
    ("POST", "/api/v1/ideas/<int:idea_id>/hide"): Row(MODERATOR, idea=READ),
    ("POST", "/api/v1/ideas/<int:idea_id>/restore"): Row(MODERATOR, idea=READ),
    ("POST", "/api/v1/ideas/<int:idea_id>/lock"): Row(MODERATOR, idea=READ),
    ("POST", "/api/v1/ideas/<int:idea_id>/unlock"): Row(MODERATOR, idea=READ),
    ("POST", "/api/v1/ideas/<int:idea_id>/merge"): Row(MODERATOR, ok=202, idea=READ, merged=409),
    ("POST", "/api/v1/ideas/<int:idea_id>/unmerge"): Row(MODERATOR, ok=409, idea=READ, merged=202),  # not merged
    ("POST", "/api/v1/merges/<int:merge_id>/retry"): Row(MODERATOR, ok=202),
    ("POST", "/api/v1/merges/<int:merge_id>/cancel"): Row(MODERATOR),
    ("POST", "/api/v1/comments/<int:comment_id>/hide"): Row(MODERATOR),
    ("POST", "/api/v1/comments/<int:comment_id>/restore"): Row(MODERATOR),
    ("POST", "/api/v1/comments/<int:comment_id>/move"): Row(MODERATOR, ok=202),
    ("POST", "/api/v1/moves/<int:move_id>/undo"): Row(MODERATOR, ok=202),
    # review
    ("GET", "/review"): Row(EXECUTIVE),
    ("POST", "/ideas/<int:idea_id>/respond"): Row(EXECUTIVE, idea=CONTRIBUTE),
    ("GET", "/campaigns/new"): Row(EXECUTIVE),
    ("POST", "/campaigns/new"): Row(EXECUTIVE),
    ("GET", "/campaigns/<int:campaign_id>/edit"): Row(EXECUTIVE),
    ("POST", "/campaigns/<int:campaign_id>/edit"): Row(EXECUTIVE),
    ("GET", "/analytics"): Row(EXECUTIVE),
    ("GET", "/analytics.csv"): Row(EXECUTIVE),
    ("GET", "/api/v1/review-queue"): Row(EXECUTIVE),
    ("GET", "/api/v1/ideas/<int:idea_id>/responses"): Row(SIGNED_IN, idea=READ),
    ("POST", "/api/v1/ideas/<int:idea_id>/responses"): Row(EXECUTIVE, ok=201, idea=CONTRIBUTE),
    ("GET", "/api/v1/campaigns"): Row(SIGNED_IN),
    ("POST", "/api/v1/campaigns"): Row(EXECUTIVE, ok=201),
    ("PATCH", "/api/v1/campaigns/<int:campaign_id>"): Row(EXECUTIVE),
}


def _answers(value: int | str) -> frozenset:
    return frozenset((value,))


def allowed_answers(request: Request, row: Row) -> frozenset:
    """What an allowed caller gets on a visible idea (or from a route without one)."""
    if row.ok is not None:
        return _answers(row.ok)
    return _answers(200 if request.method == "GET" or request.is_api else 302)


def merged_answers(request: Request, row: Row) -> frozenset | None:
    """What an allowed caller who sees it gets on a merged idea, if not the usual answers."""
    if row.merged is not None:
        return _answers(row.merged)
    if row.idea in (CONTRIBUTE, EDIT):
        return _answers(409 if request.is_api else 302)
    return None


def expected(request: Request, row: Row, caller: str) -> frozenset:
    """The answers the table allows this caller on this request."""
    if caller not in MAY_CALL[row.who]:
        if caller == ANONYMOUS:
            return _answers(401 if request.is_api else LOGIN)
        return _answers(row.refused)
    if request.kind is not None and caller not in SEES[request.kind]:
        return _answers(404)
    if request.kind == MERGED and (merged := merged_answers(request, row)) is not None:
        return merged
    if row.idea == EDIT and caller not in EDITORS:
        return _answers(403)
    return allowed_answers(request, row)


IGNORED_METHODS = {"HEAD", "OPTIONS"}
ANY_CHOICES = re.compile(r"<any\(([^)]*)\):(\w+)>")


def routes_of(app) -> dict[tuple[str, str], object]:
    """(method, rule) -> the rule, for every route but the static files."""
    return {
        (method, rule.rule): rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - IGNORED_METHODS
    }


def _choices(rule: str) -> list[tuple[tuple[str, str], ...]]:
    """Every combination of the values an `any(…)` converter in the rule takes ([()] when it has none)."""
    options = {name: [choice.strip() for choice in choices.split(",")] for choices, name in ANY_CHOICES.findall(rule)}
    return [tuple(zip(options, combination, strict=True)) for combination in product(*options.values())]


def requests_of(app) -> list[Request]:
    """One Request per route, `any(…)` choice and (for a route on an idea) idea kind; sign-outs last."""
    found = []
    for (method, text), rule in sorted(routes_of(app).items()):
        row = ROUTES.get((method, text))
        if row is None:
            continue  # test_every_route_has_a_row_and_every_row_a_route names it
        for choices in _choices(text):
            for kind in KINDS if row.idea or "idea_id" in rule.arguments else (None,):
                found.append(Request(method, text, rule.endpoint, frozenset(rule.arguments), choices, kind))
    return sorted(found, key=lambda request: request.call.ends_sessions)


def test_every_route_has_a_row_and_every_row_a_route(app):
    routes = routes_of(app)
    problems = [f"no row for {method} {rule}" for method, rule in sorted(routes.keys() - ROUTES.keys())]
    problems += [f"a row for a route that is gone: {method} {rule}" for method, rule in sorted(ROUTES.keys() - routes)]
    problems += [f"CALLS names a route that is gone: {method} {rule}" for method, rule in sorted(CALLS.keys() - routes)]
    problems += [
        f"{method} {rule} acts on an idea; its row must say how (idea=READ, CONTRIBUTE or EDIT)"
        for (method, rule), found in sorted(routes.items())
        if "idea_id" in found.arguments and (method, rule) in ROUTES and ROUTES[method, rule].idea is None
    ]
    assert not problems, "\n".join(problems)


@pytest.fixture
def receiver():
    """Where the scene's webhooks deliver."""
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def callers(app, users, make_user, login_as, api, receiver):
    return Callers(app, users, login_as, api, Scene(users, make_user, receiver.url))


def _describe(request: Request, path: str, caller: str, response, allowed: frozenset) -> str:
    on = f" on the {request.kind} idea" if request.kind else ""
    wanted = " or ".join(str(status) for status in sorted(allowed, key=str))
    said = f" ({detail(response)})" if detail(response) else ""
    return f"{request.method} {path} [{request.rule}] as {caller}{on}: got {answer(response)}, expected {wanted}{said}"


@pytest.mark.parametrize("caller", CALLERS)
def test_each_caller_gets_what_the_table_says(app, callers, caller):
    requests = requests_of(app)
    mismatches = []
    for request in requests:
        row = ROUTES[request.key]
        path, response = callers.send(caller, request, let_in=caller in MAY_CALL[row.who])
        allowed = expected(request, row, caller)
        if answer(response) not in allowed:
            mismatches.append(_describe(request, path, caller, response, allowed))
    if mismatches:
        pytest.fail(f"{len(mismatches)} of {len(requests)} answers differ from the table:\n" + "\n".join(mismatches))
