"""How the route matrix (test_route_matrix.py) calls each route: the scene whose ids fill the paths, the bodies
it sends, and the callers it sends them as. What each caller must get back is the test's table, not this file."""

from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from urllib.parse import urlsplit

from flask import url_for
from sqlalchemy import select

from accounts import services as account_services
from accounts.models import ApiToken
from core import jobs as core_jobs
from core.extensions import db
from core.sql import insert_ignoring_duplicates
from core.timeutil import utcnow
from ideas import services as idea_services
from ideas.models import Comment, Idea
from moderation import moves
from moderation import services as moderation_services
from moderation.models import DuplicateSuggestion, Merge
from notifications import mail, webhooks
from notifications.models import Notification, WebhookDelivery
from review import campaigns
from tests.conftest import csrf_token_from

# Who calls: nobody, then each role; OUTSIDER is staff of Finance, the others are in Engineering.
ANONYMOUS, STAFF, OUTSIDER = "anonymous", "staff", "outsider"
MODERATOR, EXECUTIVE, ADMIN = "moderator", "executive", "admin"
CALLERS = (ANONYMOUS, STAFF, OUTSIDER, MODERATOR, EXECUTIVE, ADMIN)
# The idea a route acts on: visible to everyone, hidden by a moderator, Engineering only, merged into another.
VISIBLE, HIDDEN, DEPARTMENT, MERGED = "visible", "hidden", "department-only", "merged"
KINDS = (VISIBLE, HIDDEN, DEPARTMENT, MERGED)
LOGIN = "302 to /login"  # the answer that sends the caller to sign in, told apart from any other redirect
_numbers = count(1)


def run_now(job_id: str) -> None:
    """Run a recorded job to its end now, whether the commit ran it in-process already or queued it for RQ."""
    db.session.commit()
    core_jobs.execute(job_id)
    db.session.expire_all()


class Scene:
    """Everything the path parameters name: one idea of each kind, a comment, a campaign, webhooks, jobs, merges,
    moves, a duplicate suggestion, dead letters, a user with a token, and the links e-mails carry.

    A request that uses something up (hide, merge, undo a move, delete a webhook…) gets a new one each time
    (`Call.fresh`) when its caller may make it, so that no request changes what another one finds; a refused
    request must change nothing, so it gets the scene's own.
    """

    def __init__(self, users, make_user, webhook_url: str):
        self.webhook_url = webhook_url  # a receiver in the suite's allowed network
        self.moderator, self.executive, self.admin = users["moderator"], users["executive"], users["admin"]
        self.author = make_user("staff", email="author@example.test")  # Engineering; writes every idea
        self.target = make_user("staff", email="target@example.test")  # whom the admin and token routes act on
        self.into = self.new_idea(VISIBLE)  # where merges and moves land
        self.ideas = {kind: self.new_idea(kind) for kind in KINDS}
        self.shared = {
            "comment_id": self.new_comment(),
            "campaign_id": self._campaign(),
            "webhook_id": self.new_webhook(),
            "job_id": self._job_of_someone_else(),
            "suggestion_id": self._suggestion(),
            "notification_id": self._failed_email(),
            "user_id": self.target.id,
            "token_id": self._token_of_target(),
            "merge_id": self.new_pending_merge(),
            "move_id": self.new_finished_move(),
        }
        self.shared["delivery_id"] = self._failed_delivery(self.shared["webhook_id"])
        self.reset_token = account_services.password_reset_token(self.target)
        self.unsubscribe_token = mail.unsubscribe_token(self.target.id)
        db.session.commit()

    def path_value(self, name: str, kind: str | None, fresh: bool):
        """The id a path parameter names: the scene's own, or a new one for a request that uses it up."""
        if name == "idea_id":
            return self.new_idea(kind) if fresh else self.ideas[kind]
        makers = {
            "comment_id": self.new_comment,
            "webhook_id": self.new_webhook,
            "merge_id": self.new_pending_merge,
            "move_id": self.new_finished_move,
        }
        return makers[name]() if fresh else self.shared[name]

    def new_idea(self, kind: str) -> int:
        """An idea by the author, of that kind, written straight to its tables (the services' side effects,
        similar ideas and announcements, take time and change no answer here)."""
        idea = Idea(
            title=f"Route matrix idea {next(_numbers)}",
            body="Something to act on.",
            body_html="<p>Something to act on.</p>",
            author_id=self.author.id,
            department_id=self.author.department_id,
            visibility="department" if kind == DEPARTMENT else "everyone",
            hidden=kind == HIDDEN,
        )
        db.session.add(idea)
        db.session.flush()
        if kind == MERGED:  # as the merge job leaves it: the idea points to its target, the merge is done
            idea.status, idea.merged_into_id = "merged", self.into
            db.session.add(
                Merge(
                    source_id=idea.id,
                    target_id=self.into,
                    actor_id=self.moderator.id,
                    state="done",
                    source_before={"status": "open"},
                    done_at=utcnow(),
                )
            )
        db.session.commit()
        return idea.id

    def new_comment(self) -> int:
        """A comment by the author on the visible idea."""
        idea = db.session.get(Idea, self.ideas[VISIBLE])
        comment = idea_services.add_comment(self.author, idea, {"body": "A comment to moderate."})
        db.session.commit()
        return comment.id

    def new_webhook(self) -> int:
        hook, _ = webhooks.create_webhook(self.admin, {"url": self.webhook_url, "events": ["idea.merged"]})
        db.session.commit()
        return hook.id

    def new_pending_merge(self) -> int:
        """A merge whose job never ran: what a moderator retries or cancels."""
        merge = Merge(source_id=self.new_idea(VISIBLE), target_id=self.into, actor_id=self.moderator.id)
        db.session.add(merge)
        db.session.commit()
        return merge.id

    def new_finished_move(self) -> int:
        """A comment moved to another idea, its job done: what a moderator undoes."""
        comment = db.session.get(Comment, self.new_comment())
        move, job = moves.request_move(self.moderator, comment, {"to_idea": self.into})
        run_now(job.id)
        return move.id

    def flagged_idea(self) -> int:
        """The visible idea, with an open flag on it (a new one after the last was dismissed)."""
        data = {"target_type": "idea", "target_id": self.ideas[VISIBLE], "reason": "spam"}
        moderation_services.create_flag(self.author, data)
        db.session.commit()
        return self.ideas[VISIBLE]

    def _campaign(self) -> int:
        campaign = campaigns.create_campaign(self.executive, {"title": "How can we cut onboarding time?"})
        db.session.flush()
        return campaign.id

    def _job_of_someone_else(self) -> str:
        """A finished job that the author (none of the callers) started."""
        record = core_jobs.enqueue("jobs.ping.run", 1, user_id=self.author.id)
        run_now(record.id)
        return record.id

    def _suggestion(self) -> int:
        row = {"low_id": self.into, "high_id": self.ideas[VISIBLE], "score": 0.9}
        row |= {"idea_id": self.ideas[VISIBLE], "duplicate_of_id": self.into}
        db.session.execute(insert_ignoring_duplicates(DuplicateSuggestion.__table__, row, ["low_id", "high_id"]))
        pair = (DuplicateSuggestion.low_id == self.into, DuplicateSuggestion.high_id == self.ideas[VISIBLE])
        return db.session.scalar(select(DuplicateSuggestion.id).where(*pair))

    def _failed_email(self) -> int:
        """A notification whose e-mail failed for good: a dead letter."""
        notification = Notification(
            user_id=self.target.id,
            kind="idea_merged",
            text="An e-mail that never arrived.",
            event_key="route-matrix:email",
            email_state="failed",
            email_attempts=5,
            email_error="SMTP refused",
        )
        db.session.add(notification)
        db.session.flush()
        return notification.id

    def _failed_delivery(self, webhook_id: int) -> int:
        """A webhook delivery that failed for good: a dead letter."""
        delivery = WebhookDelivery(
            webhook_id=webhook_id, event="idea.merged", event_key="route-matrix:delivery", payload={}, state="failed"
        )
        db.session.add(delivery)
        db.session.flush()
        return delivery.id

    def _token_of_target(self) -> int:
        account_services.create_token(self.target, "route matrix")
        return db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == self.target.id))


Body = Callable[[Scene, int | None], dict]  # (scene, the idea of the request's kind) -> JSON or form fields


@dataclass(frozen=True)
class Call:
    """How to call one route, beyond its path: the body, the path values used up, the session it ends."""

    body: Body | None = None
    fresh: tuple[str, ...] = ()  # path parameters that get a new object for every caller the route lets in
    values: Callable[[Scene], dict] | None = None  # path values the parameter's name alone does not give
    ends_sessions: bool = False  # signs the caller out: sent last, from a browser of its own


def _idea_body(**fields) -> Body:
    return lambda s, _: {"title": "Posted by the route matrix", "body": "Details.", **fields}


def _into(s: Scene, _) -> dict:
    return {"into": s.into}


def _to_idea(s: Scene, _) -> dict:
    return {"to_idea": s.into}


def _flag_of(s: Scene, idea: int | None) -> dict:
    return {"target_type": "idea", "target_id": idea or s.ideas[VISIBLE], "reason": "spam"}


def _flagged(s: Scene, _) -> dict:
    return {"target_type": "idea", "target_id": s.flagged_idea()}


def _response(s: Scene, _) -> dict:
    return {"status": "planned", "body": "We will do this in March."}


def _comment(s: Scene, _) -> dict:
    return {"body": "A comment from the route matrix."}


def _campaign(title: str) -> Body:
    return lambda s, _: {"title": title, "vote_threshold": "10"}


RESET_TOKEN = Call(values=lambda s: {"token": s.reset_token})
UNSUBSCRIBE_TOKEN = Call(values=lambda s: {"token": s.unsubscribe_token})
FRESH_IDEA = Call(fresh=("idea_id",))
FRESH_MERGE = Call(fresh=("merge_id",))
FRESH_MOVE = Call(fresh=("move_id",))
SIGNS_OUT = Call(ends_sessions=True)

# Every route not named here is called with its path filled from the scene and an empty body.
CALLS: dict[tuple[str, str], Call] = {
    ("POST", "/admin/users/<int:user_id>/active"): Call(lambda s, _: {"active": "1"}),  # keeps the user active
    ("POST", "/admin/users/<int:user_id>/role"): Call(lambda s, _: {"role": "staff"}),
    ("POST", "/admin/webhooks"): Call(lambda s, _: {"url": s.webhook_url, "events": "idea.merged"}),
    ("POST", "/admin/webhooks/<int:webhook_id>/delete"): Call(fresh=("webhook_id",)),
    ("POST", "/api/v1/campaigns"): Call(_campaign("A campaign from the API")),
    ("PATCH", "/api/v1/campaigns/<int:campaign_id>"): Call(_campaign("A campaign renamed by the API")),
    ("POST", "/api/v1/comments/<int:comment_id>/move"): Call(_to_idea, fresh=("comment_id",)),
    ("POST", "/api/v1/flags"): Call(_flag_of),
    ("POST", "/api/v1/ideas"): Call(_idea_body()),
    ("PATCH", "/api/v1/ideas/<int:idea_id>"): Call(lambda s, _: {"body": "Edited through the API."}),
    ("POST", "/api/v1/ideas/<int:idea_id>/comments"): Call(_comment),
    ("POST", "/api/v1/ideas/<int:idea_id>/hide"): FRESH_IDEA,
    ("POST", "/api/v1/ideas/<int:idea_id>/lock"): FRESH_IDEA,
    ("POST", "/api/v1/ideas/<int:idea_id>/merge"): Call(_into, fresh=("idea_id",)),
    ("POST", "/api/v1/ideas/<int:idea_id>/responses"): Call(_response),
    ("POST", "/api/v1/ideas/<int:idea_id>/restore"): FRESH_IDEA,
    ("POST", "/api/v1/ideas/<int:idea_id>/unlock"): FRESH_IDEA,
    ("POST", "/api/v1/ideas/<int:idea_id>/unmerge"): FRESH_IDEA,
    ("POST", "/api/v1/merges/<int:merge_id>/cancel"): FRESH_MERGE,
    ("POST", "/api/v1/merges/<int:merge_id>/retry"): FRESH_MERGE,
    ("POST", "/api/v1/moves/<int:move_id>/undo"): FRESH_MOVE,
    ("POST", "/api/v1/moderation/flags/dismiss"): Call(_flagged),
    ("POST", "/api/v1/webhooks"): Call(lambda s, _: {"url": s.webhook_url, "events": ["idea.merged"]}),
    ("DELETE", "/api/v1/webhooks/<int:webhook_id>"): Call(fresh=("webhook_id",)),
    ("POST", "/campaigns/<int:campaign_id>/edit"): Call(_campaign("A campaign renamed on its page")),
    ("POST", "/campaigns/new"): Call(_campaign("A campaign from its page")),
    ("POST", "/flags"): Call(_flag_of),
    ("POST", "/ideas/<int:idea_id>/comments"): Call(_comment),
    ("POST", "/ideas/<int:idea_id>/edit"): Call(lambda s, _: {"title": "Edited on its page", "body": "New."}),
    ("POST", "/ideas/<int:idea_id>/respond"): Call(_response),
    # Each caller posts past the "similar ideas" step: the callers before it posted the same title.
    ("POST", "/ideas/new"): Call(_idea_body(visibility="everyone", campaign_id="", action="post_anyway")),
    ("POST", "/ideas/new/vote-instead"): Call(lambda s, _: {"idea_id": s.into, "title": "A copy", "body": ""}),
    ("GET", "/logout"): SIGNS_OUT,
    ("POST", "/logout"): SIGNS_OUT,
    # The matrix's comment and idea do not look alike: the page asks for "Move anyway" (ticked here).
    ("POST", "/moderation/comments/<int:comment_id>/move"): Call(
        lambda s, _: {"to_idea": s.into, "confirm_unrelated": "1"}, fresh=("comment_id",)
    ),
    ("POST", "/moderation/flags/dismiss"): Call(_flagged),
    ("POST", "/moderation/ideas/<int:idea_id>/<any(hide, restore, lock, unlock):action>"): FRESH_IDEA,
    ("POST", "/moderation/ideas/<int:idea_id>/merge"): Call(_into, fresh=("idea_id",)),
    ("POST", "/moderation/ideas/<int:idea_id>/unmerge"): FRESH_IDEA,
    ("POST", "/moderation/merges/<int:merge_id>/cancel"): FRESH_MERGE,
    ("POST", "/moderation/merges/<int:merge_id>/retry"): FRESH_MERGE,
    ("POST", "/moderation/moves/<int:move_id>/undo"): FRESH_MOVE,
    ("GET", "/password-reset/<token>"): RESET_TOKEN,
    ("POST", "/password-reset/<token>"): RESET_TOKEN,
    ("POST", "/password-reset"): Call(lambda s, _: {"email": s.target.email}),
    ("POST", "/settings/notifications"): Call(lambda s, _: {"email_preference": "digest"}),
    ("POST", "/settings/sessions/end"): SIGNS_OUT,
    ("POST", "/settings/tokens"): Call(lambda s, _: {"name": "route matrix"}),
    ("GET", "/unsubscribe/<token>"): UNSUBSCRIBE_TOKEN,
    ("POST", "/unsubscribe/<token>"): UNSUBSCRIBE_TOKEN,
}


@dataclass(frozen=True)
class Request:
    """One request of the matrix: a route (method and rule), the `any(…)` choices in its path, an idea kind."""

    method: str
    rule: str
    endpoint: str
    arguments: frozenset[str]  # the rule's path parameters
    choices: tuple[tuple[str, str], ...] = ()
    kind: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.rule

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def call(self) -> Call:
        return CALLS.get(self.key, Call())


def answer(response) -> int | str:
    """The status, with a redirect to the sign-in page told apart (LOGIN)."""
    if response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login":
        return LOGIN
    return response.status_code


def detail(response) -> str:
    """A few words on a response, for a failure message: the API's error code, or where a redirect goes."""
    if response.is_json and isinstance(response.get_json(silent=True), dict):
        error = response.get_json().get("error") or {}
        return f"{error.get('code')}: {error.get('message')}" if error else ""
    return response.headers.get("Location", "")


class Callers:
    """Sends a Request as one caller: the API with the caller's token, pages from the caller's signed-in browser."""

    def __init__(self, app, users, login_as, api, scene: Scene):
        self.app, self.users, self.login_as, self.scene = app, users, login_as, scene
        self._api = api
        self._clients: dict[tuple[str, str], object] = {}

    def send(self, caller: str, request: Request, let_in: bool) -> tuple[str, object]:
        """(path, response) of the request as the caller; `let_in`: the route lets the caller in (so it gets new
        objects for what the request uses up)."""
        call = request.call
        path = self._path(request, call, let_in)
        body = call.body(self.scene, self.scene.ideas.get(request.kind)) if call.body else {}
        if request.is_api:
            json = body if request.method != "GET" else None
            return path, self._client(caller, "api").request(request.method, path, json=json)
        browser = self._new_browser(caller) if call.ends_sessions else self._client(caller, "browser")
        if request.method == "GET":
            return path, browser.get(path)
        return path, browser.open(path, method=request.method, data={"csrf_token": browser.csrf, **body})

    def _path(self, request: Request, call: Call, let_in: bool) -> str:
        values = dict(request.choices) | (call.values(self.scene) if call.values else {})
        for name in request.arguments - values.keys():
            values[name] = self.scene.path_value(name, request.kind, let_in and name in call.fresh)
        with self.app.test_request_context():
            return url_for(request.endpoint, _method=request.method, **values)

    def _client(self, caller: str, kind: str):
        if (caller, kind) not in self._clients:
            user = self.users.get(caller)
            self._clients[caller, kind] = self._api(user) if kind == "api" else self._new_browser(caller)
        return self._clients[caller, kind]

    def _new_browser(self, caller: str):
        """A browser signed in as the caller, or (anonymous) one that holds the login page's CSRF token."""
        if caller != ANONYMOUS:
            return self.login_as(self.users[caller])
        browser = self.app.test_client()
        browser.csrf = csrf_token_from(browser.get("/login").get_data(as_text=True))
        return browser
