"""The semantic channel: the real model, embeddings made by a job, paraphrases in the duplicate queue,
and the lexical-only fallback when the model's files are missing or damaged."""

import logging
import shutil

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import JobRecord
from ideas import services, similarity
from ideas.similarity import embedder, engine
from ideas.similarity.models import SimilarityEmbedding
from moderation.models import DuplicateSuggestion
from tests.ideas.test_similarity import DISTRACTORS, ids, post

EV_FIRST = ("Electric vehicle chargers in the car park", "Staff with EVs need chargers at work.")
EV_SECOND = ("Car park charging points for electric cars", "Please add EV charging points at work.")
EMBED_JOB = "jobs.moderation.embed_idea"


@pytest.fixture
def damaged_model(tmp_path, monkeypatch):
    """The tokenizer file replaced by a damaged copy; the model is loaded afresh before and after."""
    damaged = tmp_path / "tokenizer.json"
    shutil.copy(embedder.TOKENIZER_FILE, damaged)
    with damaged.open("ab") as handle:
        handle.write(b" ")
    monkeypatch.setattr(embedder, "TOKENIZER_FILE", damaged)
    embedder.reset()
    yield
    monkeypatch.undo()
    embedder.reset()


def embedding_of(idea_id: int) -> SimilarityEmbedding | None:
    db.session.expire_all()
    return db.session.get(SimilarityEmbedding, idea_id)


def suggestions() -> set[tuple[int, int]]:
    db.session.expire_all()
    return {(row.idea_id, row.duplicate_of_id) for row in db.session.scalars(select(DuplicateSuggestion))}


def test_the_model_loads_from_verified_local_files():
    assert similarity.status() == {"semantic": "ok", "model": embedder.MODEL_ID}
    first, second, unrelated = embedder.embed(["\n".join(EV_FIRST), "\n".join(EV_SECOND), "Free fruit in the canteen"])
    assert first.shape == (embedder.DIMENSIONS,) and abs(float(first @ first) - 1) < 1e-4
    assert float(first @ second) > 0.6 > 0.3 > float(first @ unrelated)


def test_a_paraphrase_by_another_person_reaches_the_duplicate_queue(users, make_user, run_jobs):
    for title, body in DISTRACTORS:
        post(users["staff"], title, body)
    first = post(users["staff"], *EV_FIRST)
    run_jobs()
    second = post(make_user(), *EV_SECOND)
    run_jobs()
    assert (second.id, first.id) in suggestions()
    assert ids(similarity.query("\n".join(EV_SECOND), 1, exclude_ids=[second.id])) == [first.id]


def test_meaning_lifts_a_paraphrase_above_its_lexical_score(users, run_jobs):
    first = post(users["staff"], *EV_FIRST)
    for title, body in DISTRACTORS:
        post(users["staff"], title, body)
    run_jobs()
    replica = engine.current()
    query = engine.Query(
        replica.index.query_vector(similarity.features(*EV_SECOND)), embedder.embed(["\n".join(EV_SECOND)])[0]
    )
    lexical_only = dict(replica.search(engine.Query(query.lexical), 5))
    hybrid = dict(replica.search(query, 5))
    assert hybrid[first.id] > lexical_only[first.id] + 0.1
    assert max(hybrid, key=hybrid.get) == first.id


def test_a_typed_query_is_embedded_on_another_thread_while_the_lexical_channel_searches(users, run_jobs):
    first = post(users["staff"], *EV_FIRST)
    for title, body in DISTRACTORS:
        post(users["staff"], title, body)
    run_jobs()
    text = "\n".join(EV_SECOND)
    pending = similarity._embedding_started(text)
    assert pending is not None and pending.result().shape == (embedder.DIMENSIONS,)
    replica = engine.current()
    lexical = replica.index.query_vector(similarity.features(*EV_SECOND))
    started = engine.Query(lexical, similarity._embedding_started(text))
    assert replica.search(started, 5) == replica.search(engine.Query(lexical, embedder.embed([text])[0]), 5)
    assert ids(similarity.query(text, 1)) == [first.id]


def test_the_embedding_is_made_by_a_job_after_commit_and_redone_only_when_the_text_changes(users, run_jobs):
    idea = post(users["staff"], *EV_FIRST)
    run_jobs()
    jobs = list(db.session.scalars(select(JobRecord).where(JobRecord.name == EMBED_JOB)))
    assert [(job.args, job.status, job.result["embedded"]) for job in jobs] == [([idea.id], "finished", True)]
    stored = embedding_of(idea.id)
    assert stored.model == embedder.MODEL_ID and len(stored.vector) == embedder.DIMENSIONS
    assert similarity.embed_idea(idea.id) is False  # same text: nothing to do
    digest = stored.text_digest
    services.edit_idea(users["staff"], db.session.get(type(idea), idea.id), {"title": "Bicycle racks at the gate"})
    db.session.commit()
    run_jobs()
    assert embedding_of(idea.id).text_digest != digest


def test_embed_missing_fills_in_ideas_without_an_embedding(users, run_jobs):
    ideas = [post(users["staff"], title, body) for title, body in DISTRACTORS]
    run_jobs()
    db.session.execute(SimilarityEmbedding.__table__.delete())
    db.session.commit()
    assert similarity.embed_missing() == len(ideas)
    assert all(embedding_of(idea.id) is not None for idea in ideas)
    assert similarity.embed_missing() == 0


def test_a_damaged_model_file_means_lexical_only_said_once_and_in_healthz(
    users, make_user, client, damaged_model, caplog, run_jobs
):
    with caplog.at_level(logging.WARNING, logger="ideas.similarity.embedder"):
        first = post(users["staff"], *EV_FIRST)
        post(make_user(), "Electric vehicle chargers in the car park please", "")
        run_jobs()
        found = similarity.query("electric vehicle chargers", 5)
    assert first.id in ids(found)
    assert embedding_of(first.id) is None
    warnings = [record.getMessage() for record in caplog.records if "Semantic channel off" in record.getMessage()]
    assert len(warnings) == 1 and "tokenizer.json is damaged" in warnings[0]
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok"
    assert health["similarity"]["semantic"] == "unavailable" and "damaged" in health["similarity"]["reason"]


def test_healthz_reports_the_semantic_channel(client):
    assert client.get("/healthz").get_json()["similarity"] == {"semantic": "ok", "model": embedder.MODEL_ID}


def test_the_embed_missing_command(users, run_jobs, app):
    idea = post(users["staff"], *EV_FIRST)
    run_jobs()
    db.session.execute(SimilarityEmbedding.__table__.delete())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["similarity", "embed-missing"])
    assert result.exit_code == 0 and "Embedded 1 idea." in result.output
    assert embedding_of(idea.id) is not None
