"""PUT/DELETE /api/v1/ideas/<id>/vote and /follow: idempotent, exact counts, opt-out wins, locked and merged ideas."""

import pytest

from core.extensions import db
from tests.ideas.support import (
    assert_error,
    idea_url,
    make_campaign,
    ok_json,
    post_comment,
    post_idea,
    row_counts,
    set_idea,
    stored_vote_count,
    vote_rows,
    voter_ids,
)


def state(client, idea_id: int) -> tuple[int, bool, bool]:
    """(vote_count, voted, following) of the idea as the caller sees it."""
    idea = ok_json(client.get(idea_url(idea_id)))
    return idea["vote_count"], idea["voted"], idea["following"]


def test_vote_and_unvote_are_idempotent_and_exact(api, users):
    author, voter = api(users["staff"]), api(users["executive"])
    idea_id = post_idea(author)["id"]
    assert ok_json(voter.put(idea_url(idea_id, "/vote"))) == {"voted": True, "vote_count": 2}
    assert ok_json(voter.put(idea_url(idea_id, "/vote"))) == {"voted": True, "vote_count": 2}
    assert state(voter, idea_id) == (2, True, True)
    assert ok_json(voter.delete(idea_url(idea_id, "/vote"))) == {"voted": False, "vote_count": 1}
    assert ok_json(voter.delete(idea_url(idea_id, "/vote"))) == {"voted": False, "vote_count": 1}
    assert state(voter, idea_id)[:2] == (1, False)
    assert voter_ids(idea_id) == {users["staff"].id}


def test_the_author_can_take_back_their_own_vote_and_the_count_stays_non_negative(api, users):
    author = api(users["staff"])
    idea_id = post_idea(author)["id"]
    for _ in range(2):
        assert ok_json(author.delete(idea_url(idea_id, "/vote"))) == {"voted": False, "vote_count": 0}
    assert stored_vote_count(idea_id) == vote_rows(idea_id) == 0
    assert ok_json(author.put(idea_url(idea_id, "/vote"))) == {"voted": True, "vote_count": 1}


def test_the_count_is_the_number_of_distinct_voters(api, users, make_user):
    idea_id = post_idea(api(users["staff"]))["id"]
    voters = [make_user() for _ in range(4)]
    for voter in voters + voters[:2]:
        ok_json(api(voter).put(idea_url(idea_id, "/vote")))
    ok_json(api(voters[3]).delete(idea_url(idea_id, "/vote")))
    expected = {users["staff"].id} | {voter.id for voter in voters[:3]}
    assert voter_ids(idea_id) == expected
    assert stored_vote_count(idea_id) == vote_rows(idea_id) == len(expected)


def test_follow_and_unfollow_are_idempotent(api, users):
    idea_id = post_idea(api(users["staff"]))["id"]
    reader = api(users["moderator"])
    for method, expected in (("PUT", True), ("PUT", True), ("DELETE", False), ("DELETE", False), ("PUT", True)):
        assert ok_json(reader.request(method, idea_url(idea_id, "/follow"))) == {"following": expected}
        assert state(reader, idea_id)[2] is expected


def test_voting_and_commenting_follow_the_idea(api, users):
    idea_id = post_idea(api(users["staff"]))["id"]
    voter, commenter = api(users["moderator"]), api(users["admin"])
    ok_json(voter.put(idea_url(idea_id, "/vote")))
    post_comment(commenter, idea_id)
    assert state(voter, idea_id)[1:] == (True, True)
    assert state(commenter, idea_id)[1:] == (False, True)


def test_an_unfollow_wins_over_later_votes_and_comments(api, users):
    author = api(users["staff"])
    idea_id = post_idea(author)["id"]
    ok_json(author.delete(idea_url(idea_id, "/follow")))
    assert state(author, idea_id) == (1, True, False)
    ok_json(author.delete(idea_url(idea_id, "/vote")))
    ok_json(author.put(idea_url(idea_id, "/vote")))
    post_comment(author, idea_id)
    assert state(author, idea_id) == (1, True, False)


def test_unfollowing_before_ever_voting_also_wins(api, users):
    idea_id = post_idea(api(users["staff"]))["id"]
    reader = api(users["executive"])
    ok_json(reader.delete(idea_url(idea_id, "/follow")))
    ok_json(reader.put(idea_url(idea_id, "/vote")))
    assert state(reader, idea_id) == (2, True, False)


# How an idea is closed to contributions, and the 409 code that says so.
CLOSED_STATES = {
    "locked": ("idea_locked", lambda idea_id, other_id: set_idea(idea_id, locked=True)),
    "merged": ("idea_merged", lambda idea_id, other_id: set_idea(idea_id, status="merged", merged_into_id=other_id)),
}


@pytest.mark.parametrize("closed", CLOSED_STATES)
def test_votes_and_comments_on_a_closed_idea_are_a_409_and_store_nothing(api, users, closed):
    author = api(users["staff"])
    idea_id, other_id = post_idea(author)["id"], post_idea(author)["id"]
    comment = post_comment(author, idea_id)
    code, close = CLOSED_STATES[closed]
    close(idea_id, other_id)
    voter = api(users["executive"])
    before = row_counts()
    assert_error(voter.put(idea_url(idea_id, "/vote")), 409, code)
    assert_error(voter.post(idea_url(idea_id, "/comments"), json={"body": "Too late"}), 409, code)
    reply = {"body": "Reply", "parent_id": comment["id"]}
    assert_error(voter.post(idea_url(idea_id, "/comments"), json=reply), 409, code)
    assert row_counts() == before
    assert ok_json(voter.get(idea_url(idea_id)))["vote_count"] == 1
    assert [item["id"] for item in ok_json(voter.get(idea_url(idea_id, "/comments")))["items"]] == [comment["id"]]


def test_an_idea_in_a_closed_campaign_takes_no_votes(api, users):
    campaign = make_campaign(users["executive"])
    idea_id = post_idea(api(users["staff"]), campaign_id=campaign.id)["id"]
    campaign.closed = True
    db.session.commit()
    before = row_counts()
    assert_error(api(users["moderator"]).put(idea_url(idea_id, "/vote")), 409)
    assert_error(api(users["moderator"]).post(idea_url(idea_id, "/comments"), json={"body": "Closed?"}), 409)
    assert row_counts() == before
