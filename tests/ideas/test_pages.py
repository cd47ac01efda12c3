"""The idea pages through the test client: the list, the idea page and its forms, all working without JavaScript."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from core.extensions import db
from ideas import services
from ideas.models import BODY_MAX, Comment, Follow, Idea, Tag, Vote
from tests.ideas.pages_support import (
    add_comment,
    enclosing_comments,
    fetch,
    idea_count,
    idea_form,
    listed_ids,
    make_campaign,
    make_idea,
    page,
    post_form,
    redirect_target,
    set_idea,
)


def _vote(user, idea: Idea) -> None:
    services.vote(user, idea)
    db.session.commit()


# --- signed-out visitors -------------------------------------------------------------------------------


@pytest.fixture
def every_page(users) -> list[str]:
    idea = make_idea(users["staff"])
    campaign = make_campaign()
    ideas = [f"/ideas/{idea.id}", f"/ideas/{idea.id}/edit"]
    return ["/", "/?sort=new&q=cups", "/ideas/new", *ideas, "/campaigns", f"/campaigns/{campaign.id}"]


def test_every_page_sends_a_signed_out_visitor_to_the_login_page(client, every_page):
    for path in every_page:
        target = urlsplit(redirect_target(fetch(client, path)))
        assert target.path == "/login"
        assert parse_qs(target.query)["next"] == [path]


# --- the list ------------------------------------------------------------------------------------------


def test_the_list_sorts_by_votes_newness_and_discussion(login_as, users):
    staff = users["staff"]
    few, most, some = (make_idea(staff, title=title) for title in ("Few votes", "Most votes", "Some votes"))
    for voter in (users["moderator"], users["executive"], users["admin"]):
        _vote(voter, most)
    _vote(users["moderator"], some)
    add_comment(users["admin"], few)
    client = login_as(staff)

    assert listed_ids(page(client, "/?sort=top")) == [most.id, some.id, few.id]
    assert listed_ids(page(client, "/?sort=new")) == [some.id, most.id, few.id]
    assert listed_ids(page(client, "/?sort=discussed"))[0] == few.id
    assert listed_ids(page(client, "/"))[0] == most.id  # hot: same age, most votes
    assert '<option value="top" selected>' in page(client, "/?sort=top")


def test_the_list_filters_by_status_campaign_tag_and_search(login_as, users):
    staff = users["staff"]
    campaign = make_campaign()
    planned = make_idea(staff, title="Solar panels on the roof")
    in_campaign = make_idea(staff, title="Buddy for new hires", campaign_id=campaign.id)
    tagged = make_idea(staff, title="Trains over planes", tags="travel, green")
    searched = make_idea(staff, title="Bike parking", body="Secure **bicycle** racks in the garage.")
    set_idea(planned.id, status="planned")
    client = login_as(users["outsider"])

    assert listed_ids(page(client, "/?status=planned")) == [planned.id]
    assert listed_ids(page(client, f"/?campaign_id={campaign.id}")) == [in_campaign.id]
    assert listed_ids(page(client, "/?tag=travel")) == [tagged.id]
    assert listed_ids(page(client, "/?q=bicycle")) == [searched.id]
    assert listed_ids(page(client, "/?q=nothing-like-this")) == []
    html = page(client, "/?status=planned&tag=travel")
    assert '<option value="planned" selected>' in html and '<option value="travel" selected>' in html


def test_a_bad_list_parameter_shows_a_message_and_the_default_list(login_as, users):
    idea = make_idea(users["staff"])
    html = page(login_as(users["staff"]), "/?sort=sideways&page=-1")
    assert "Choose one of" in html
    assert listed_ids(html) == [idea.id]


def test_the_list_pages_with_links_that_keep_the_filters(login_as, users):
    ideas = [make_idea(users["staff"], tags="paging") for _ in range(5)]
    client = login_as(users["staff"])

    html = page(client, "/?sort=new&tag=paging&per_page=2&page=2")

    assert listed_ids(html) == [ideas[2].id, ideas[1].id]
    assert "Page 2 of 3" in html
    for rel, number in (("prev", "1"), ("next", "3")):
        href = html.split(f'rel="{rel}" href="')[1].split('"')[0].replace("&amp;", "&")
        query = parse_qs(urlsplit(href).query)
        assert query == {"sort": ["new"], "tag": ["paging"], "per_page": ["2"], "page": [number]}
    last = page(client, "/?sort=new&tag=paging&per_page=2&page=3")
    assert listed_ids(last) == [ideas[0].id] and 'rel="next"' not in last


# --- the idea page -------------------------------------------------------------------------------------


def test_the_idea_page_shows_body_votes_following_status_and_timeline(login_as, users):
    author, voter = users["staff"], users["outsider"]
    idea = make_idea(author, title="Quiet zones", body="Mark one area **per floor** as quiet.", tags="office")
    _vote(voter, idea)
    services.edit_idea(author, idea, {"title": "Quiet zones on every floor"})
    db.session.commit()

    html = page(login_as(voter), f"/ideas/{idea.id}")

    assert "Quiet zones on every floor" in html and "<strong>per floor</strong>" in html
    assert '<span class="vote-count">2</span>' in html
    assert 'name="action" value="unvote"' in html and 'aria-pressed="true"' in html
    assert '<button type="submit" class="button follow-button" aria-pressed="true">Following</button>' in html
    assert 'class="status status-open"' in html and "#office" in html
    assert "posted" in html and "edited (title)" in html
    assert f'href="/ideas/{idea.id}/edit"' not in html  # only the author and moderators may edit


def test_the_idea_page_nests_replies_under_their_comments(login_as, users):
    idea = make_idea(users["staff"])
    first = add_comment(users["outsider"], idea, "First *thought*.")
    reply = add_comment(users["staff"], idea, "A reply.", parent=first)
    deeper = add_comment(users["moderator"], idea, "A reply to the reply.", parent=reply)
    second = add_comment(users["admin"], idea, "Another thought.")

    html = page(login_as(users["executive"]), f"/ideas/{idea.id}")

    assert enclosing_comments(html) == {first.id: None, reply.id: first.id, deeper.id: reply.id, second.id: None}
    assert "First <em>thought</em>." in html and "Comments (4)" in html
    assert html.index(f'id="comment-{first.id}"') < html.index(f'id="comment-{second.id}"')
    assert f'name="parent_id" value="{reply.id}"' in html  # every comment has its reply form


# --- posting an idea -----------------------------------------------------------------------------------


def test_the_new_idea_form_posts_and_redirects_without_javascript(login_as, users):
    campaign = make_campaign()
    client = login_as(users["staff"])
    assert 'value="check"' in page(client, "/ideas/new")

    response = post_form(client, "/ideas/new", **idea_form(campaign_id=str(campaign.id), anonymous="y"))

    idea = db.session.scalar(select(Idea))
    assert redirect_target(response) == f"/ideas/{idea.id}"
    assert (idea.title, idea.campaign_id, idea.anonymous) == ("Bike parking at headquarters", campaign.id, True)
    assert idea.vote_count == 1
    assert [tag.name for tag in idea.tags] == ["green", "office"]
    assert "Your idea is posted." in page(client, f"/ideas/{idea.id}")


BAD_IDEAS = {
    "empty title": ({"title": ""}, "title"),
    "short title": ({"title": "ab"}, "title"),
    "blank title": ({"title": "   "}, "title"),
    "long body": ({"body": "x" * (BODY_MAX + 1)}, "body"),
    "six tags": ({"tags": "a, b, c, d, e, f"}, "tags"),
}


@pytest.mark.parametrize("case", BAD_IDEAS)
def test_bad_input_shows_the_form_again_with_messages_and_stores_nothing(login_as, users, case):
    fields, bad_field = BAD_IDEAS[case]
    client = login_as(users["staff"])

    response = post_form(client, "/ideas/new", **idea_form(**fields))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{bad_field}-errors"' in html and 'aria-invalid="true"' in html
    assert 'value="office, green"' in html or bad_field == "tags"  # what was typed is kept
    assert idea_count() == 0 and db.session.scalar(select(func.count()).select_from(Tag)) == 0


def test_check_for_similar_ideas_shows_them_and_posts_nothing(login_as, users):
    existing = make_idea(users["outsider"], title="Reusable cups instead of paper cups")
    client = login_as(users["staff"])

    response = post_form(client, "/ideas/new", **idea_form(title="Stop buying paper cups", action="check"))

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    similar = html.split('id="similar-list"')[1].split("</ul>")[0]
    assert f'href="/ideas/{existing.id}"' in similar and "Reusable cups instead of paper cups" in similar
    assert 'value="Stop buying paper cups"' in html
    assert idea_count() == 1


# --- editing -------------------------------------------------------------------------------------------


def test_the_author_edits_through_the_form(login_as, users):
    idea = make_idea(users["staff"], title="Old title", tags="office")
    client = login_as(users["staff"])
    assert 'value="Old title"' in page(client, f"/ideas/{idea.id}/edit")

    response = post_form(client, f"/ideas/{idea.id}/edit", title="New title", body="New body.", tags="office, green")

    assert redirect_target(response) == f"/ideas/{idea.id}"
    db.session.refresh(idea)
    assert (idea.title, idea.body, [tag.name for tag in idea.tags]) == ("New title", "New body.", ["green", "office"])


def test_a_bad_edit_shows_the_form_again_and_changes_nothing(login_as, users):
    idea = make_idea(users["staff"], title="Old title")
    response = post_form(login_as(users["staff"]), f"/ideas/{idea.id}/edit", title="ab", body="")
    assert response.status_code == 422 and 'id="title-errors"' in response.get_data(as_text=True)
    db.session.refresh(idea)
    assert idea.title == "Old title"


def test_other_staff_may_not_edit_but_moderators_may(login_as, users):
    idea = make_idea(users["staff"], title="Old title")
    other = login_as(users["outsider"])
    page(other, f"/ideas/{idea.id}/edit", status=403)
    assert post_form(other, f"/ideas/{idea.id}/edit", title="Taken over").status_code == 403

    moderator = login_as(users["moderator"])
    assert page(moderator, f"/ideas/{idea.id}/edit")
    response = post_form(moderator, f"/ideas/{idea.id}/edit", title="Tidied title", body="")
    assert redirect_target(response) == f"/ideas/{idea.id}"
    db.session.refresh(idea)
    assert idea.title == "Tidied title"


# --- votes, follows and comments -----------------------------------------------------------------------


def test_vote_and_unvote_forms_post_and_redirect(login_as, users):
    idea = make_idea(users["staff"])
    client = login_as(users["outsider"])

    for action, expected in (("vote", 2), ("vote", 2), ("unvote", 1), ("unvote", 1)):
        assert redirect_target(post_form(client, f"/ideas/{idea.id}/vote", action=action)) == f"/ideas/{idea.id}#votes"
        db.session.refresh(idea)
        assert idea.vote_count == expected == db.session.scalar(select(func.count()).where(Vote.idea_id == idea.id))


def test_a_form_without_the_csrf_token_is_refused(login_as, users):
    idea = make_idea(users["staff"])
    response = post_form(login_as(users["outsider"]), f"/ideas/{idea.id}/vote", with_csrf=False, action="vote")
    assert response.status_code == 400
    db.session.refresh(idea)
    assert idea.vote_count == 1


def test_follow_and_unfollow_forms_post_and_redirect(login_as, users):
    idea = make_idea(users["staff"])
    client = login_as(users["staff"])

    response = post_form(client, f"/ideas/{idea.id}/follow", action="unfollow")
    assert redirect_target(response) == f"/ideas/{idea.id}#votes"
    assert db.session.scalar(select(Follow.active).where(Follow.idea_id == idea.id)) is False
    assert ">Follow</button>" in page(client, f"/ideas/{idea.id}")

    post_form(client, f"/ideas/{idea.id}/follow", action="follow")
    assert db.session.scalar(select(Follow.active).where(Follow.idea_id == idea.id)) is True
    assert ">Following</button>" in page(client, f"/ideas/{idea.id}")


def test_comment_and_reply_forms_post_and_redirect_to_the_comment(login_as, users):
    idea = make_idea(users["staff"])
    client = login_as(users["outsider"])

    first = redirect_target(post_form(client, f"/ideas/{idea.id}/comments", body="Great *idea*."))
    comment = db.session.scalar(select(Comment))
    assert first == f"/ideas/{idea.id}#comment-{comment.id}"
    reply = redirect_target(post_form(client, f"/ideas/{idea.id}/comments", body="Thanks!", parent_id=str(comment.id)))
    answer = db.session.scalar(select(Comment).where(Comment.parent_id == comment.id))
    assert reply == f"/ideas/{idea.id}#comment-{answer.id}"
    assert enclosing_comments(page(client, f"/ideas/{idea.id}"))[answer.id] == comment.id


def test_an_empty_comment_is_refused_with_a_message(login_as, users):
    idea = make_idea(users["staff"])
    client = login_as(users["outsider"])
    assert redirect_target(post_form(client, f"/ideas/{idea.id}/comments", body="")).startswith(f"/ideas/{idea.id}")
    assert "Write a comment first" in page(client, f"/ideas/{idea.id}")
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0
