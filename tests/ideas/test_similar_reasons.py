"""While someone types a new idea, each similar idea says why: the title's shared words highlighted,
or "similar meaning" when it shares none (the semantic channel found it)."""

import pytest

from core.extensions import db
from ideas import services, similarity
from ideas.similarity import embedder, explain
from tests.ideas.pages_support import idea_form, post_form
from tests.ideas.support import similar

STORED = "Bicycle parking near the entrance"
PARAPHRASE = "Somewhere to leave bikes by our door"


def marked(item: dict) -> list[str]:
    return [part["text"] for part in item["title_parts"] if part["match"]]


def title_of(item: dict) -> str:
    return "".join(part["text"] for part in item["title_parts"])


@pytest.fixture
def post(run_jobs):
    """post(author, *titles): ideas posted through the service, their embedding jobs run."""

    def posting(author, *titles: str) -> list[int]:
        ids = [services.create_idea(author, {"title": title}).id for title in titles]
        db.session.commit()
        run_jobs()
        return ids

    return posting


def test_shared_words_are_marked_in_the_title(api, users, post):
    post(users["staff"], "Free coffee in the Berlin office kitchen", "Bike racks at the Madrid site")
    (item, *_) = similar(api(users["staff"]), "Coffee for Berlin")
    assert item["reason"] == "words"
    assert title_of(item) == item["idea"]["title"]
    assert marked(item) == ["coffee", "Berlin"]


@pytest.mark.skipif(not embedder.available(), reason="the semantic channel is off")
def test_a_paraphrase_sharing_no_words_is_shown_for_its_meaning(api, users, post):
    (stored,) = post(users["staff"], STORED)
    (item,) = [item for item in similar(api(users["staff"]), PARAPHRASE) if item["idea"]["id"] == stored]
    assert item["reason"] == "meaning" and marked(item) == []


def test_common_words_are_never_marked_once_there_are_enough_ideas(api, users, post):
    titles = [f"Office plan number {n} for the team" for n in range(explain.MIN_IDEAS)]
    post(users["staff"], *titles, "Coffee machine in the office")
    items = similar(api(users["staff"]), "An office coffee machine")
    (item,) = [item for item in items if item["idea"]["title"] == "Coffee machine in the office"]
    assert marked(item) == ["Coffee", "machine"]  # "office" is in nearly every idea, "in"/"the" are not shared


def test_below_enough_ideas_every_shared_word_of_three_letters_is_marked():
    reason = explain.reason("the red bike", "A red bike at the gate", lambda word: 0.0)
    assert reason.kind == "words"
    assert explain.parts("A red bike at the gate", reason.spans) == [
        ("A ", False),
        ("red", True),
        (" ", False),
        ("bike", True),
        (" at ", False),
        ("the", True),
        (" gate", False),
    ]


def test_the_title_parts_are_text_never_markup(api, users, post):
    post(users["staff"], "<b>Bold</b> coffee plan")
    (item,) = similar(api(users["staff"]), "coffee plan")
    assert title_of(item) == "<b>Bold</b> coffee plan" and marked(item) == ["coffee", "plan"]


def test_the_form_without_javascript_shows_the_marks_and_the_reason(login_as, users, post):
    post(users["staff"], "Free coffee in the Berlin office kitchen", STORED)
    client = login_as(users["staff"])
    html = post_form(client, "/ideas/new", **idea_form(title="Coffee in Berlin", body="", action="check"))
    assert "<mark>coffee</mark>" in html.get_data(as_text=True)
    assert "<mark>Berlin</mark>" in html.get_data(as_text=True)
    if embedder.available():
        html = post_form(client, "/ideas/new", **idea_form(title=PARAPHRASE, body="", action="check"))
        assert '<span class="similar-reason">similar meaning</span>' in html.get_data(as_text=True)


def test_without_the_model_the_reason_is_the_shared_words(api, users, monkeypatch, post):
    monkeypatch.setattr(similarity, "_embedding_or_none", lambda text: None)
    post(users["staff"], "Free coffee in the Berlin office kitchen")
    (item,) = similar(api(users["staff"]), "coffee Berlin")
    assert item["reason"] == "words" and marked(item) == ["coffee", "Berlin"]
