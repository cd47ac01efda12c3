"""The measured URLs, as data: what to request, as whom, and what a good answer looks like."""

from dataclasses import dataclass, field
from urllib.parse import quote

# Groups tie URLs to goals (goals.py) and pick the baseline their throughput is compared with.
WRITE_GROUPS = {"vote", "comment", "follow", "limit-write"}


@dataclass(frozen=True)
class Target:
    """One URL to measure."""

    name: str
    path: str  # str.format fields: see fields(); writes: a Lua format with %d for the idea id
    group: str
    auth: str = "staff"  # a role's session cookie, "token" (a staff Bearer token) or "none"
    methods: tuple[str, ...] = ("GET",)  # writes cycle through these on one (user, idea) pair
    status: int = 200
    marker: str = ""  # the body must contain it (pages: an element only the signed-in page has)
    min_bytes: int = 200
    server: str = "app"  # or "limit"
    body: dict | None = field(default=None, hash=False)

    @property
    def is_write(self) -> bool:
        """Writes are compared with the one-write baseline, everything else with one-row."""
        return self.group in WRITE_GROUPS


HOME = '<ol class="idea-list">'
TOKEN_WRITE = {"auth": "token", "methods": ("PUT", "DELETE"), "min_bytes": 10}
TOKEN_POST = {"auth": "token", "methods": ("POST",), "status": 201, "min_bytes": 100}
COMMENT = {"body": "Measured by the page benchmark: a short comment of ordinary length."}

TARGETS = (
    Target("/ (hot)", "/", "list", marker=HOME),
    Target("/?sort=top", "/?sort=top", "list", marker=HOME),
    Target("/?sort=new", "/?sort=new", "list", marker=HOME),
    Target("/?sort=discussed", "/?sort=discussed", "list", marker=HOME),
    Target("/?status=open", "/?status=open", "list", marker=HOME),
    Target("/?campaign_id=<campaign>", "/?campaign_id={campaign}", "list", marker=HOME),
    Target("/?tag=<tag>", "/?tag={tag}", "list", marker=HOME),
    Target("/?page=50", "/?page=50", "list", marker=HOME),
    Target("/?q=<search>", "/?q={q}", "search", marker=HOME),
    Target("/ideas/<light>", "/ideas/{light}", "idea", marker='id="idea-title"'),
    Target("/ideas/<heavy>", "/ideas/{heavy}", "idea", marker='id="idea-title"', min_bytes=50_000),
    Target("GET /api/v1/ideas", "/api/v1/ideas", "list", auth="token", marker='"items"'),
    Target("GET /api/v1/ideas/<light>", "/api/v1/ideas/{light}", "api-idea", auth="token", marker='"title"'),
    Target("GET /api/v1/ideas/similar", "/api/v1/ideas/similar?text={title}", "search", auth="token", marker='"items"'),
    Target("vote toggle (PUT/DELETE)", "/api/v1/ideas/%d/vote", "vote", **TOKEN_WRITE, marker='"voted"'),
    Target("comment (POST)", "/api/v1/ideas/%d/comments", "comment", **TOKEN_POST, marker='"body"', body=COMMENT),
    Target("follow toggle (PUT/DELETE)", "/api/v1/ideas/%d/follow", "follow", **TOKEN_WRITE, marker='"following"'),
    Target("/notifications", "/notifications", "other", marker="<h1>Notifications</h1>"),
    Target("/moderation", "/moderation", "other", auth="moderator", marker="<h2>Flagged items</h2>"),
    Target("/moderation/duplicates", "/moderation/duplicates", "other", auth="moderator", marker="Likely duplicates"),
    Target("/review", "/review", "other", auth="executive", marker="<h1>Waiting for an answer</h1>"),
    Target("/analytics", "/analytics", "other", auth="executive", marker="<h1>Analytics</h1>"),
)

ROWS = 1000  # rows of the limit app's table; the Lua scripts pick ids in 1..ROWS
LIMIT_USERS = 100_000
ONE_ROW = Target("limit: one-row", "/row/%d", "limit-read", "none", marker="<h1>", min_bytes=100, server="limit")
ONE_WRITE = Target(
    "limit: one-write", "/row/%d/vote", "limit-write", "none", ("PUT",), marker='"votes"', min_bytes=10, server="limit"
)
BASELINES = (ONE_ROW, ONE_WRITE)


def fields(manifest, similar_title: str) -> dict:
    """The values the paths' {placeholders} take for one population."""
    return {
        "light": manifest.light_idea_id,
        "heavy": manifest.heavy_idea_id,
        "campaign": manifest.campaign_id,
        "tag": quote(manifest.tag),
        "q": quote(manifest.search_term),
        "title": quote(similar_title),
    }


def selected(only: str | None) -> tuple[Target, ...]:
    """The targets whose name contains one of the comma-separated words of `only` (all without it)."""
    words = [word.strip().lower() for word in (only or "").split(",") if word.strip()]
    return tuple(target for target in TARGETS if not words or any(word in target.name.lower() for word in words))
