"""Every page, for every role that sees it, checked by axe-core in a real browser: no serious or critical
WCAG 2.1 A/AA violation (for example label-in-name, 2.5.3: a control's accessible name holds what it shows)."""

import pytest

from moderation import services as moderation_services
from tests.browser.conftest import axe_violations
from tests.moderation.support import comment_on, new_idea, vote

pytestmark = pytest.mark.browser

STAFF_PAGES = (
    "/",
    "/?sort=top",
    "/ideas/new",
    "/ideas/{idea}",
    "/notifications",
    "/settings",
    "/campaigns",
)
MODERATOR_PAGES = (
    "/ideas/{idea}/edit",
    "/moderation",
    "/moderation/duplicates",
    "/moderation/audit",
    "/moderation/merges",
    "/moderation/comments/{comment}/move",
    "/moderation/comments/{comment}/move?q=coffee",  # the candidates
    "/moderation/comments/{comment}/move?to_idea={twin}",  # not alike: the warning and "Move anyway"
    "/moderation/ideas/{idea}/merge?q=coffee",  # the candidates
    "/moderation/ideas/{twin}/merge?into={idea}",  # the preview, side by side
)
EXECUTIVE_PAGES = ("/review", "/analytics", "/campaigns/new")
ADMIN_PAGES = ("/admin/users", "/admin/webhooks", "/admin/dead-letters")
PAGES_BY_ROLE = {
    "staff": (*STAFF_PAGES, "/ideas/{idea}/edit"),  # staff sign in as the idea's author
    "moderator": STAFF_PAGES + MODERATOR_PAGES,
    "executive": STAFF_PAGES + EXECUTIVE_PAGES,
    "admin": STAFF_PAGES + MODERATOR_PAGES + EXECUTIVE_PAGES + ADMIN_PAGES,
}


@pytest.fixture
def scene(make_user, run_jobs) -> dict:
    """Ideas with votes, a comment, an unread notification and a duplicate suggestion, so pages are not empty."""
    author = make_user(name="Ada Author")
    idea = new_idea(author, "Free coffee in the Berlin office kitchen")
    twin = new_idea(author, "Free coffee in the Berlin office kitchen please")
    for supporter in (make_user() for _ in range(3)):
        vote(supporter, idea.id)
    comment = comment_on(make_user(), idea.id, "Yes, and tea too.")
    run_jobs()
    moderation_services.suggest_duplicates(twin.id, 0.3)
    return {"author": author, "idea": idea.id, "twin": twin.id, "comment": comment.id}


def page_url(path: str, scene: dict) -> str:
    """A page of the lists above, with the scene's ids filled in."""
    return path.format(idea=scene["idea"], twin=scene["twin"], comment=scene["comment"])


@pytest.mark.parametrize("path", ["/login", "/password-reset"])
def test_the_signed_out_pages_have_no_serious_violation(path, page, live_server):
    page.goto(path)
    assert axe_violations(page) == []


@pytest.mark.parametrize("role", sorted(PAGES_BY_ROLE))
def test_every_page_of_every_role_has_no_serious_violation(role, page, live_server, sign_in, scene, make_user):
    user = scene["author"] if role == "staff" else make_user(role)
    sign_in(page, live_server, user)
    found = {}
    for path in PAGES_BY_ROLE[role]:
        url = page_url(path, scene)
        response = page.goto(url)
        assert response.status < 400, (url, response.status)
        if problems := axe_violations(page):
            found[url] = problems
    assert found == {}
