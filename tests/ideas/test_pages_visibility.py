"""Who sees which idea on the pages: merged, department-only, anonymous and hidden ideas; campaign pages."""

import pytest

from core.extensions import db
from ideas import services
from tests.ideas.pages_support import (
    fetch,
    idea_form,
    listed_ids,
    make_campaign,
    make_idea,
    page,
    post_form,
    redirect_target,
    set_idea,
)

# --- merged, department-only, anonymous and hidden ideas -----------------------------------------------


def test_a_merged_idea_redirects_to_its_target_with_a_notice(login_as, users):
    target = make_idea(users["staff"], title="Reusable cups")
    source = make_idea(users["outsider"], title="No more paper cups")
    set_idea(source.id, status="merged", merged_into_id=target.id)
    client = login_as(users["staff"])

    assert redirect_target(fetch(client, f"/ideas/{source.id}")) == f"/ideas/{target.id}"
    html = page(client, f"/ideas/{target.id}")
    assert "“No more paper cups” was merged into this idea" in html
    kept = page(client, f"/ideas/{source.id}?stay=1")
    assert "was merged into" in kept and f'action="/ideas/{source.id}/vote"' not in kept


@pytest.fixture
def department_idea(users):
    """An Engineering-only idea in a campaign."""
    campaign = make_campaign()
    return make_idea(
        users["staff"],
        title="Faster build servers",
        body="Builds take ages.",
        visibility="department",
        campaign_id=campaign.id,
    )


def test_a_department_idea_is_a_404_and_absent_everywhere_for_other_departments(login_as, users, department_idea):
    client = login_as(users["outsider"])

    html = page(client, f"/ideas/{department_idea.id}", status=404)
    assert "Faster build servers" not in html
    for url in ("/", "/?q=build", f"/campaigns/{department_idea.campaign_id}"):
        assert "Faster build servers" not in page(client, url)
    checked = post_form(client, "/ideas/new", **idea_form(title="Faster build servers please", action="check"))
    assert "Faster build servers<" not in checked.get_data(as_text=True)


def test_a_department_idea_is_shown_to_its_department_and_to_moderators(login_as, users, make_user, department_idea):
    for viewer in (make_user("staff", department="Engineering"), users["moderator"], users["executive"]):
        client = login_as(viewer)
        assert "department only" in page(client, f"/ideas/{department_idea.id}")
        assert listed_ids(page(client, "/?q=build")) == [department_idea.id]


def test_an_anonymous_idea_hides_its_author_from_staff_but_not_from_moderators(login_as, users, make_user):
    author = make_user("staff", name="Zelda Quietwater")
    idea = make_idea(author, title="Exit interview summaries", anonymous=True)
    services.edit_idea(author, idea, {"body": "A quarterly summary."})
    db.session.commit()

    for viewer in (users["staff"], users["executive"]):
        client = login_as(viewer)
        for url in (f"/ideas/{idea.id}", "/"):
            html = page(client, url)
            assert "Anonymous" in html and "Zelda Quietwater" not in html, (viewer.role, url)
    moderator = login_as(users["moderator"])
    assert "Zelda Quietwater" in page(moderator, f"/ideas/{idea.id}")
    assert "Zelda Quietwater" in page(moderator, "/")


def test_a_hidden_idea_is_gone_for_staff_and_marked_for_moderators(login_as, users):
    idea = make_idea(users["staff"], title="Something hidden")
    set_idea(idea.id, hidden=True)

    for viewer in (users["staff"], users["outsider"], users["executive"]):
        client = login_as(viewer)
        page(client, f"/ideas/{idea.id}", status=404)
        assert listed_ids(page(client, "/")) == []
    moderator = login_as(users["moderator"])
    assert listed_ids(page(moderator, "/")) == [idea.id]
    assert '<span class="tag-hidden">hidden</span>' in page(moderator, f"/ideas/{idea.id}")


# --- campaigns -----------------------------------------------------------------------------------------


def test_campaign_pages_list_their_ideas_and_invite_new_ones(login_as, users):
    campaign = make_campaign()
    other = make_campaign("Greener offices")
    inside = make_idea(users["staff"], campaign_id=campaign.id)
    make_idea(users["staff"], campaign_id=other.id)
    make_idea(users["staff"])
    client = login_as(users["outsider"])

    overview = page(client, "/campaigns")
    assert f'href="/campaigns/{campaign.id}"' in overview and f'href="/campaigns/{other.id}"' in overview
    html = page(client, f"/campaigns/{campaign.id}")
    assert listed_ids(html) == [inside.id]
    assert "<em>how</em>" in html and f'href="/ideas/new?campaign_id={campaign.id}"' in html
    form = page(client, f"/ideas/new?campaign_id={campaign.id}")
    assert f'<option selected value="{campaign.id}">' in form
    page(client, "/campaigns/999999", status=404)


def test_a_closed_campaign_is_read_only(login_as, users):
    campaign = make_campaign()
    idea = make_idea(users["staff"], campaign_id=campaign.id)
    campaign.closed = True
    db.session.commit()
    client = login_as(users["outsider"])

    html = page(client, f"/campaigns/{campaign.id}")
    assert "Closed: read-only" in html and "/ideas/new" not in html.split("<main")[1]
    assert listed_ids(html) == [idea.id]
    assert f'value="{campaign.id}"' not in page(client, "/ideas/new")
    response = post_form(client, f"/ideas/{idea.id}/vote", action="vote")
    assert "campaign is closed" in page(client, redirect_target(response))
    db.session.refresh(idea)
    assert idea.vote_count == 1
