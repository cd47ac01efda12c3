"""Merging idea S into idea T ends exactly as PRODUCT.md says, and unmerging restores S exactly."""

import re
from types import SimpleNamespace

import pytest

from tests.moderation.support import (
    assert_error,
    assert_vote_count_exact,
    audit_log,
    comment_on,
    follow,
    form_post,
    new_idea,
    notifications,
    ok_json,
    snapshot,
    stored,
    vote,
)


@pytest.fixture
def scene(make_user, moderator):
    """S and T with voters on each and both, followers, an unfollower, comments and a reply; nothing merged yet."""
    people = SimpleNamespace(
        s_author=make_user(name="Sam Source"),
        t_author=make_user(name="Tara Target"),
        both_voter=make_user(),
        s_voter=make_user(),
        s_unfollower=make_user(),
        s_follower=make_user(),
        t_voter=make_user(),
        moderator=moderator,
    )
    source = new_idea(people.s_author, "Cheaper train tickets for business trips")
    target = new_idea(people.t_author, "Rail discounts for travelling staff")
    for user in (people.both_voter, people.s_voter, people.s_unfollower, moderator):
        vote(user, source.id)
    for user in (people.both_voter, people.t_voter):
        vote(user, target.id)
    follow(people.s_unfollower, source.id, False)
    follow(people.s_follower, source.id)
    first = comment_on(people.s_voter, source.id, "Trains beat planes.")
    reply = comment_on(people.both_voter, source.id, "Agreed.", parent=first)
    comment_on(people.t_author, target.id, "Our own comment.")
    return SimpleNamespace(
        source=source.id, target=target.id, source_title=source.title, comments=[first.id, reply.id], **vars(people)
    )


def voters(before: dict, idea_id: int) -> set[int]:
    """The user ids with a vote on that idea in a snapshot."""
    return {user_id for voted_idea, user_id in before["votes"] if voted_idea == idea_id}


@pytest.fixture
def merged(scene, mod_api, finish):
    """The scene after merging S into T through the API; `.before` is the snapshot taken just before."""
    scene.before = snapshot(scene.source, scene.target)
    scene.job = finish(mod_api.post(f"/api/v1/ideas/{scene.source}/merge", json={"into": scene.target}), mod_api)
    return scene


def test_the_merge_job_reports_what_it_did(merged):
    result = merged.job["result"]
    assert (result["source_id"], result["target_id"], result["state"]) == (merged.source, merged.target, "done")
    assert merged.job["progress"] == 1.0
    assert merged.job["error"] is None


def test_target_voters_are_the_union_each_counted_once(merged, mod_api):
    expected = voters(merged.before, merged.source) | voters(merged.before, merged.target)
    assert voters(snapshot(merged.target), merged.target) == expected
    assert assert_vote_count_exact(merged.target) == len(expected)
    assert ok_json(mod_api.get(f"/api/v1/ideas/{merged.target}"))["vote_count"] == len(expected)


def test_source_followers_follow_the_target_and_an_unfollower_stays_unfollowed(merged, api):
    follows = {(user_id, active) for idea_id, user_id, active in snapshot(merged.target)["follows"]}
    assert (merged.s_follower.id, True) in follows
    assert (merged.s_unfollower.id, False) in follows
    assert (merged.s_unfollower.id, True) not in follows
    assert ok_json(api(merged.s_follower).get(f"/api/v1/ideas/{merged.target}"))["following"] is True
    assert ok_json(api(merged.s_unfollower).get(f"/api/v1/ideas/{merged.target}"))["following"] is False


def test_source_author_is_credited_on_the_target(merged, api):
    body = ok_json(api(merged.t_voter).get(f"/api/v1/ideas/{merged.target}"))
    assert body["co_authors"] == [{"id": merged.s_author.id, "name": "Sam Source"}]
    assert body["author"]["id"] == merged.t_author.id


def test_source_comments_show_on_the_target_under_a_marker(merged, api, login_as):
    items = ok_json(api(merged.t_voter).get(f"/api/v1/ideas/{merged.target}/comments"))["items"]
    carried = [(item["id"], item["idea_id"]) for item in items if item["idea_id"] == merged.source]
    assert carried == [(comment_id, merged.source) for comment_id in merged.comments]
    assert stored(merged.target).comment_count == 3
    page = login_as(merged.t_voter).get(f"/ideas/{merged.target}").get_data(as_text=True)
    marker = re.search(r"Merged from:\s*<a [^>]*>([^<]+)</a>", page)
    assert marker and marker.group(1) == merged.source_title
    assert page.index("Trains beat planes.") > marker.start()


def test_the_merged_idea_is_read_only(merged, api):
    client = api(merged.t_voter)
    assert_error(client.put(f"/api/v1/ideas/{merged.source}/vote"), 409, "idea_merged")
    assert_error(api(merged.s_voter).delete(f"/api/v1/ideas/{merged.source}/vote"), 409, "idea_merged")
    assert_error(client.post(f"/api/v1/ideas/{merged.source}/comments", json={"body": "Late."}), 409, "idea_merged")
    assert_error(client.patch(f"/api/v1/ideas/{merged.source}", json={"title": "Renamed"}), 409, "idea_merged")
    assert_error(client.put(f"/api/v1/ideas/{merged.source}/follow"), 409, "idea_merged")
    assert_error(api(merged.s_voter).delete(f"/api/v1/ideas/{merged.source}/follow"), 409, "idea_merged")
    assert voters(snapshot(merged.source), merged.source) == voters(merged.before, merged.source)
    follows_of_source = [
        {row for row in taken["follows"] if row[0] == merged.source}
        for taken in (snapshot(merged.source), merged.before)
    ]
    assert follows_of_source[0] == follows_of_source[1]  # the refused follow and unfollow changed nothing


def test_a_merged_ideas_page_offers_no_vote_follow_or_edit(merged, login_as):
    browser = login_as(merged.s_author)
    page = browser.get(f"/ideas/{merged.source}?stay=1").get_data(as_text=True)
    assert f"/ideas/{merged.source}/follow" not in page and f"/ideas/{merged.source}/edit" not in page
    assert browser.get(f"/ideas/{merged.source}/edit").status_code == 409
    refused = browser.post(f"/ideas/{merged.source}/follow", data={"csrf_token": browser.csrf})
    assert refused.status_code == 302


def test_the_merged_idea_points_to_the_target(merged, api, login_as):
    body = ok_json(api(merged.t_voter).get(f"/api/v1/ideas/{merged.source}"))
    assert (body["status"], body["merged_into"]) == ("merged", merged.target)
    browser = login_as(merged.t_voter)
    response = browser.get(f"/ideas/{merged.source}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/ideas/{merged.target}")
    landing = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "was merged into this idea" in landing
    kept = browser.get(f"/ideas/{merged.source}?stay=1").get_data(as_text=True)
    assert f'href="/ideas/{merged.target}"' in kept and "read-only" in kept


def test_each_source_sponsor_is_notified_once_but_not_the_moderator(merged):
    expected = {merged.s_author, merged.both_voter, merged.s_voter, merged.s_follower}
    assert notifications("idea_merged") == sorted((user.id, merged.target) for user in expected)


def test_one_audit_entry_records_the_merge(merged):
    (entry,) = audit_log("merge")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (merged.moderator.id, "idea", merged.source)
    assert entry.details["before"] == {"status": "open"}
    assert entry.details["after"] == {"status": "merged", "merged_into": merged.target}
    assert entry.created_at is not None


def test_merge_from_the_page_goes_to_the_job_page(scene, login_as, run_jobs):
    browser = login_as(scene.moderator)
    path = f"/moderation/ideas/{scene.source}/merge"
    response = form_post(browser, path, into=scene.target, confirmed="1", confirm_unrelated="1")  # the preview's
    assert response.status_code == 302
    job_page = re.search(r"/moderation/jobs/([0-9a-f-]{36})", response.headers["Location"])
    assert job_page, response.headers["Location"]
    run_jobs()
    page = browser.get(job_page.group(0)).get_data(as_text=True)
    assert re.search(r'class="job-state">finished<', page)
    assert f'href="/ideas/{scene.target}"' in page
    assert stored(scene.source).merged_into_id == scene.target
    assert len(audit_log("merge")) == 1


def test_a_refused_merge_from_the_page_says_why(scene, login_as):
    browser = login_as(scene.moderator)
    response = form_post(browser, f"/moderation/ideas/{scene.source}/merge", into=scene.source)
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be merged into itself" in page
    assert stored(scene.source).merged_into_id is None


def test_unmerge_restores_everything_exactly(merged, mod_api, finish):
    job = finish(mod_api.post(f"/api/v1/ideas/{merged.source}/unmerge"), mod_api)
    assert job["result"]["state"] == "undone"
    assert snapshot(merged.source, merged.target) == merged.before
    assert_vote_count_exact(merged.target)
    assert ok_json(mod_api.get(f"/api/v1/ideas/{merged.source}"))["merged_into"] is None
    assert ok_json(mod_api.get(f"/api/v1/ideas/{merged.target}"))["co_authors"] == []
    (entry,) = audit_log("unmerge")
    assert entry.details["after"] == {"status": "open"}


def test_unmerge_keeps_votes_cast_on_the_target_after_the_merge(merged, make_user, mod_api, finish):
    late_voter = make_user()
    vote(late_voter, merged.target)
    vote(merged.s_voter, merged.target, voting=False)  # a carried vote, taken back and cast again on T
    vote(merged.s_voter, merged.target)
    finish(mod_api.post(f"/api/v1/ideas/{merged.source}/unmerge"), mod_api)
    after = snapshot(merged.source, merged.target)
    before = merged.before
    assert after["votes"] == before["votes"] | {(merged.target, late_voter.id), (merged.target, merged.s_voter.id)}
    # The re-vote made the carried follow of T the voter's own, so it outlives the merge like the vote.
    assert after["follows"] == before["follows"] | {
        (merged.target, late_voter.id, True),
        (merged.target, merged.s_voter.id, True),
    }
    assert (after["co_authors"], after["comments"]) == (before["co_authors"], before["comments"])
    assert after["ideas"][merged.source] == before["ideas"][merged.source]
    status, merged_into, vote_count, comment_count, _ = after["ideas"][merged.target]
    before_status, before_merged_into, before_votes, before_comments, _ = before["ideas"][merged.target]
    assert (status, merged_into, comment_count) == (before_status, before_merged_into, before_comments)
    assert vote_count == before_votes + 2 == assert_vote_count_exact(merged.target)


def test_a_carried_follower_who_acts_on_the_target_keeps_following_it_after_unmerge(merged, mod_api, finish):
    comment_on(merged.s_follower, merged.target, "Following this one now.")  # a comment follows, as a vote does
    follow(merged.moderator, merged.target)  # an explicit follow of a follow the merge carried
    follow(merged.s_unfollower, merged.target)  # an unfollow the merge carried, turned into a follow
    finish(mod_api.post(f"/api/v1/ideas/{merged.source}/unmerge"), mod_api)
    target_follows = {
        (user, active) for idea, user, active in snapshot(merged.target)["follows"] if idea == merged.target
    }
    acted = {merged.s_follower.id, merged.moderator.id, merged.s_unfollower.id}
    assert {(user_id, True) for user_id in acted} <= target_follows
    assert merged.s_voter.id not in {user_id for user_id, _ in target_follows}  # carried, never acted on: gone


def test_the_source_takes_votes_and_comments_again_after_unmerge(merged, mod_api, finish, api):
    finish(mod_api.post(f"/api/v1/ideas/{merged.source}/unmerge"), mod_api)
    client = api(merged.t_voter)
    expected = len(voters(merged.before, merged.source)) + 1
    assert ok_json(client.put(f"/api/v1/ideas/{merged.source}/vote"))["vote_count"] == expected
    ok_json(client.post(f"/api/v1/ideas/{merged.source}/comments", json={"body": "Back again."}), 201)


def test_merging_an_anonymous_idea_does_not_reveal_its_author(make_user, moderator, mod_api, finish, api):
    secret = make_user(name="Secret Sally")
    source = new_idea(secret, anonymous=True)
    target = new_idea(make_user())
    finish(mod_api.post(f"/api/v1/ideas/{source.id}/merge", json={"into": target.id}), mod_api)
    body = ok_json(api(make_user()).get(f"/api/v1/ideas/{target.id}"))
    assert "Secret Sally" not in str(body)
    assert secret.id in voters(snapshot(target.id), target.id)


def test_the_target_names_a_merged_source_only_to_who_may_see_it(users, make_user, mod_api, finish, login_as, api):
    """A Finance-only idea merged into a public one: its title stays in Finance (timeline, comment marker)."""
    finance = make_user(department="Finance")
    source = new_idea(finance, "Finance reorganisation rumours", visibility="department")
    comment_on(finance, source.id, "Discussed in the Finance meeting.")
    target = new_idea(users["staff"], "Better internal communication")
    finish(mod_api.post(f"/api/v1/ideas/{source.id}/merge", json={"into": target.id}), mod_api)

    outside = login_as(users["staff"]).get(f"/ideas/{target.id}").get_data(as_text=True)
    assert "Finance reorganisation rumours" not in outside
    assert "an idea you cannot see was merged into this idea" in outside
    assert "Merged from: an idea you cannot see" in outside
    inside = login_as(finance).get(f"/ideas/{target.id}").get_data(as_text=True)
    assert "“Finance reorganisation rumours” was merged into this idea" in inside
    assert "Merged from: <a" in inside
