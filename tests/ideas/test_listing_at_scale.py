"""The listing's machinery for large organisations: cursors, totals kept by triggers, bounded counts, kept filters."""

from sqlalchemy import case, delete, func, insert, select

from core.extensions import db
from ideas import listing
from ideas.models import Idea, IdeaCount
from review import responses
from tests.ideas.pages_support import make_idea, page
from tests.ideas.support import IDEAS_URL, assert_error, list_ideas, ok_json, post_idea, set_idea

# --- cursors ---------------------------------------------------------------------------------------


def _walk_with_cursor(client, **params) -> list[int]:
    """Every id the API lists, following next_cursor from the first page."""
    seen, query = [], {**params}
    while True:
        body = list_ideas(client, **query)
        seen += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            return seen
        assert body["items"], "a page with a cursor to the next one must not be empty"
        query = {**params, "cursor": body["next_cursor"]}


def test_a_cursor_walks_every_idea_once_in_every_sort_even_with_ties(api, users):
    client = api(users["staff"])
    ids = [post_idea(client)["id"] for _ in range(11)]  # equal votes and comments: ties everywhere
    for voter in (users["moderator"], users["executive"]):
        for idea_id in ids[:4]:
            ok_json(api(voter).put(f"{IDEAS_URL}/{idea_id}/vote"))
    for sort in listing.SORT_KEYS:
        walked = _walk_with_cursor(client, sort=sort, per_page=3)
        assert sorted(walked) == sorted(ids), sort
        assert walked == [item["id"] for item in list_ideas(client, sort=sort, per_page=100)["items"]], sort


def test_the_cursor_page_reports_no_page_number_and_the_same_total(api, users):
    client = api(users["staff"])
    for _ in range(5):
        post_idea(client)
    first = list_ideas(client, per_page=2)
    second = list_ideas(client, per_page=2, cursor=first["next_cursor"])
    assert (second["page"], second["total"], len(second["items"])) == (None, 5, 2)


def test_a_malformed_cursor_is_a_422(api, users):
    client = api(users["staff"])
    for cursor, sort in (
        ("nan_3", "hot"),
        ("inf_3", "hot"),
        ("1.5_3", "top"),
        ("x", "new"),
        ("3_0", "hot"),
        ("3_" + "9" * 30, "top"),
        ("1_2_3", "discussed"),
    ):
        assert_error(client.get(IDEAS_URL, query_string={"cursor": cursor, "sort": sort}), 422, field="cursor")


def test_the_list_page_goes_on_by_cursor_after_the_numbered_pages(login_as, users):
    staff = users["staff"]
    ids = [make_idea(staff, title=f"Paged idea {n}").id for n in range(7)]
    client = login_as(staff)
    html = page(client, "/?sort=new&per_page=2&page=1")
    assert "Page 1 of 4" in html and 'rel="next"' in html
    link = html.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert "page=2" in link  # the first pages go by number
    last_numbered = page(client, f"/?sort=new&per_page=2&page={10}")
    assert 'rel="next"' not in last_numbered
    cursor_page = page(client, f"/?sort=new&per_page=2&cursor={ids[-3]}")
    assert "Later ideas" in cursor_page and f"/ideas/{ids[-4]}" in cursor_page


# --- totals ----------------------------------------------------------------------------------------


def _live_counts() -> dict:
    audience = case((Idea.visibility == "department", Idea.department_id), else_=0)
    keys = select(
        audience.label("audience"), func.coalesce(Idea.campaign_id, 0).label("campaign"), Idea.status, Idea.hidden
    ).subquery()
    rows = db.session.execute(select(*keys.c, func.count()).group_by(*keys.c))
    return {tuple(row[:4]): row[4] for row in rows}


def _kept_counts() -> dict:
    """The counts idea_counts keeps, its slots summed."""
    key = (IdeaCount.audience, IdeaCount.campaign_id, IdeaCount.status, IdeaCount.hidden)
    rows = db.session.execute(select(*key, func.sum(IdeaCount.n)).group_by(*key).having(func.sum(IdeaCount.n) != 0))
    return {tuple(row[:4]): row[4] for row in rows}


def test_idea_counts_follow_every_kind_of_change(users, make_user):
    from tests.ideas.support import make_campaign

    staff, executive = users["staff"], users["executive"]
    campaign = make_campaign(executive)
    everyone = make_idea(staff)
    department = make_idea(staff, visibility="department", campaign_id=campaign.id)
    other = make_idea(users["outsider"])
    assert _kept_counts() == _live_counts()
    set_idea(everyone.id, hidden=True)
    set_idea(other.id, status="merged", merged_into_id=department.id)
    responses.respond(executive, department, {"status": "planned", "body": "Yes."})
    db.session.commit()
    assert _kept_counts() == _live_counts()
    set_idea(other.id, status="open", merged_into_id=None)
    set_idea(department.id, visibility="everyone", campaign_id=None)
    db.session.execute(
        insert(Idea),
        [{"title": f"Bulk {n}", "author_id": staff.id, "department_id": staff.department_id} for n in range(3)],
    )
    db.session.execute(delete(Idea).where(Idea.id == everyone.id))
    db.session.commit()
    assert _kept_counts() == _live_counts()


def test_totals_count_only_what_the_caller_may_see(api, users):
    staff, outsider = users["staff"], users["outsider"]
    client = api(staff)
    post_idea(client)
    post_idea(client, visibility="department")
    post_idea(api(outsider), visibility="department")
    hidden = post_idea(client)
    set_idea(hidden["id"], hidden=True)
    assert list_ideas(client)["total"] == 2
    assert list_ideas(api(outsider))["total"] == 2
    assert list_ideas(api(users["executive"]))["total"] == 3
    assert list_ideas(api(users["moderator"]))["total"] == 4


def test_own_department_only_ideas_count_after_moving_department(api, users, make_user):
    staff = users["staff"]
    post_idea(api(staff), visibility="department")
    staff.department_id = users["outsider"].department_id  # the author moved to Finance
    db.session.commit()
    body = list_ideas(api(staff))
    assert body["total"] == len(body["items"]) == 1


def test_a_search_on_the_page_is_counted_up_to_a_bound(login_as, users, monkeypatch):
    monkeypatch.setattr(listing, "BOUNDED_TOTAL", 3)
    staff = users["staff"]
    for n in range(5):
        make_idea(staff, title=f"Solar roof {n}")
    client = login_as(staff)
    assert "3+ ideas" in page(client, "/?q=solar")
    assert "5 ideas" in page(client, "/")


def test_the_api_counts_a_search_exactly(api, users, monkeypatch):
    monkeypatch.setattr(listing, "BOUNDED_TOTAL", 3)
    client = api(users["staff"])
    for n in range(5):
        post_idea(client, title=f"Solar roof {n}", tags=["energy"])
    assert list_ideas(client, q="solar")["total"] == 5
    assert list_ideas(client, tag="energy")["total"] == 5


# --- what the filters offer ------------------------------------------------------------------------


def test_the_tag_filter_offers_new_tags_at_once_and_never_those_of_hidden_ideas(login_as, users):
    staff = users["staff"]
    client = login_as(staff)
    page(client, "/")  # the kept list is now computed, without any tag
    make_idea(staff, tags=["composting"])
    secret = make_idea(users["outsider"], tags=["restructuring"], visibility="department")
    set_idea(make_idea(staff, tags=["spamtag"]).id, hidden=True)
    html = page(client, "/")
    assert 'value="composting"' in html
    assert 'value="restructuring"' not in html and 'value="spamtag"' not in html
    assert secret.id
