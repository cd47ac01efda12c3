"""The similarity engine's contract: ranking, scores, visibility, hidden/merged/deleted ideas, freshness."""

import pytest

from core.extensions import db
from ideas import queries, services, similarity
from ideas.models import Idea
from ideas.similarity import engine

DISTRACTORS = (
    ("Longer opening hours for the canteen", "Stay open until eight so late shifts can eat."),
    ("Standing desks in the finance office", "Adjustable desks help people who sit all day."),
    ("Monthly town hall with the leadership", "A regular place to ask questions openly."),
    ("Recycling bins on every floor", "Separate paper, plastic and glass near the lifts."),
    ("Quiet room for focused work", "A room without calls or meetings for deep work."),
)


def post(user, title: str, body: str = "", **fields) -> Idea:
    """Create an idea through the service (which indexes it) and commit."""
    idea = services.create_idea(user, {"title": title, "body": body, **fields})
    db.session.commit()
    return idea


def ids(results) -> list[int]:
    return [idea_id for idea_id, _ in results]


@pytest.fixture
def pool(users) -> list[Idea]:
    """A handful of unrelated ideas."""
    return [post(users["staff"], title, body) for title, body in DISTRACTORS]


def test_an_obvious_paraphrase_ranks_first(users, pool):
    target = post(users["staff"], "More bike racks at the main entrance", "The racks by the entrance are always full.")
    results = similarity.query("Bike racks near the main entrance are full, we need more")
    assert ids(results)[0] == target.id


def test_scores_are_in_0_1_best_first_and_an_exact_copy_scores_about_1(users, pool):
    target = post(users["staff"], "Free fruit on Mondays", "A basket of fruit in each kitchen.")
    results = similarity.query("Free fruit on Mondays\nA basket of fruit in each kitchen.", limit=10)
    scores = [score for _, score in results]
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert scores == sorted(scores, reverse=True)
    assert results[0] == (target.id, pytest.approx(1.0, abs=1e-3))


def test_nothing_for_empty_or_unmatched_text(users, pool):
    assert similarity.query("") == []
    assert similarity.query("   \n ") == []
    assert similarity.query("zzxqv qqwrt") == []


def test_limit_and_excluded_ids(users, pool):
    crossings = [post(users["staff"], f"Zebra crossing at the north gate {n}") for n in range(8)]
    assert len(similarity.query("zebra crossing north gate", limit=3)) == 3
    excluded = {crossings[0].id, crossings[1].id}
    found = ids(similarity.query("zebra crossing north gate", limit=10, exclude_ids=excluded))
    assert not excluded & set(found) and len(found) == 6


def test_visibility_is_the_callers_rule(users, pool):
    secret = post(users["staff"], "Department party budget", "Only for Engineering.", visibility="department")

    def as_user(user):
        return similarity.query("department party budget", allowed=lambda found: queries.visible_ids(user, found))

    as_outsider, as_colleague = as_user(users["outsider"]), as_user(users["staff"])
    assert secret.id not in ids(as_outsider)
    assert ids(as_colleague)[0] == secret.id


def test_filtering_still_fills_the_limit(users, pool):
    hidden_from_outsider = [
        post(users["staff"], f"Solar panels on the roof of building {n}", visibility="department") for n in range(12)
    ]
    visible = [post(users["staff"], f"Solar roof panels, idea {n}") for n in range(3)]
    outsider = users["outsider"]
    found = similarity.query("solar panels roof building", limit=3, allowed=lambda f: queries.visible_ids(outsider, f))
    assert set(ids(found)) == {idea.id for idea in visible}
    assert not set(ids(found)) & {idea.id for idea in hidden_from_outsider}


def test_hidden_and_merged_ideas_are_never_returned_even_when_allowed(users, pool):
    hidden = post(users["staff"], "Electric car chargers in the car park")
    merged = post(users["staff"], "Electric car chargers for the car park")
    target = post(users["staff"], "Chargers for electric cars in the car park")
    hidden.hidden = True  # changed directly, without telling the engine: it must still filter
    merged.merged_into_id, merged.status = target.id, "merged"
    db.session.commit()
    found = ids(similarity.query("electric car chargers car park", allowed=lambda f: set(f)))
    assert found == [target.id]
    assert hidden.id not in ids(similarity.duplicates_of(target.id))


def test_removed_ideas_leave_the_index_and_come_back_when_indexed_again(users, pool):
    idea = post(users["staff"], "Bring your dog to work day")
    idea.hidden = True
    similarity.remove_idea(idea.id)
    db.session.commit()
    assert idea.id not in ids(similarity.query("dog to work day", allowed=set))
    idea.hidden = False
    similarity.index_idea(idea)
    db.session.commit()
    assert ids(similarity.query("dog to work day"))[0] == idea.id


def test_an_edit_is_reflected_at_once(users, pool):
    idea = post(users["staff"], "Coffee machine on the third floor")
    assert ids(similarity.query("coffee machine third floor"))[0] == idea.id
    services.edit_idea(users["staff"], idea, {"title": "Water fountain on the third floor"})
    db.session.commit()
    assert idea.id not in ids(similarity.query("coffee machine"))
    assert ids(similarity.query("water fountain"))[0] == idea.id


def test_a_deleted_idea_is_gone(users, pool):
    kept = post(users["staff"], "Car sharing between colleagues")
    removed = post(users["staff"], "Car sharing board for colleagues")
    similarity.remove_idea(removed.id)
    db.session.delete(removed)
    db.session.commit()
    assert ids(similarity.query("car sharing colleagues")) == [kept.id]


def test_another_process_sees_the_same_index(users, pool):
    idea = post(users["staff"], "Shared calendar for meeting rooms")
    engine._replicas.clear()  # a process that never saw the change loads it from the database
    assert ids(similarity.query("meeting rooms calendar"))[0] == idea.id
    services.edit_idea(users["staff"], idea, {"title": "Booking screens at meeting rooms"})
    db.session.commit()
    assert ids(similarity.query("booking screens"))[0] == idea.id


def test_duplicates_of_and_the_full_scan(users, pool):
    first = post(users["staff"], "Bicycle repair station in the garage", "Pumps and tools for cyclists.")
    second = post(users["moderator"], "Bicycle repair station for the garage", "Tools and a pump for cyclists.")
    assert ids(similarity.duplicates_of(first.id))[0] == second.id
    pairs = list(similarity.scan_duplicates(0.5))
    assert [(newer, older) for newer, older, _ in pairs] == [(second.id, first.id)]
    assert 0.5 <= pairs[0][2] <= 1.0
    second.hidden = True
    similarity.remove_idea(second.id)
    db.session.commit()
    assert list(similarity.scan_duplicates(0.5)) == []
    assert second.id not in ids(similarity.duplicates_of(first.id))


def test_rebuild_reindexes_everything(users, pool):
    idea = post(users["staff"], "Plants in the open-plan office")
    db.session.execute(db.text("DELETE FROM similarity_documents"))
    db.session.commit()
    engine._replicas.clear()
    assert similarity.query("plants open plan office") == []
    assert similarity.rebuild() == len(DISTRACTORS) + 1
    db.session.commit()
    assert ids(similarity.query("plants open plan office"))[0] == idea.id
