"""The duplicate queue learns from moderators: merges confirm pairs, dismissals reject them, and the
queue's threshold is re-calibrated on those verdicts without ever going below the precision floor."""

import logging
import random

import pytest
from sqlalchemy import select

from core import periodic
from core.extensions import db
from core.redis_client import redis_connection
from ideas import similarity
from moderation import labels
from moderation.models import DuplicateCalibration, DuplicateLabel
from tests.moderation.support import audit_log, ok_json

ORIGINAL = "Free coffee in the Berlin office kitchen"
DUPLICATE = "Free coffee in the Berlin office kitchen please"
FLOOR = 0.85


@pytest.fixture(autouse=True)
def queue_settings(app, monkeypatch):
    monkeypatch.setitem(app.config, "DUPLICATE_MIN_SCORE", 0.3)
    monkeypatch.setitem(app.config, "DUPLICATE_PRECISION_FLOOR", FLOOR)
    monkeypatch.setitem(app.config, "DUPLICATE_MIN_LABELS", 10)


@pytest.fixture
def pair(api, make_user, run_jobs) -> tuple[int, int]:
    """(duplicate, original) posted through the API, their jobs run: the pair is on the queue."""
    client = api(make_user())
    ids = [
        ok_json(client.post("/api/v1/ideas", json={"title": title, "body": "Please."}), 201)["id"]
        for title in (ORIGINAL, DUPLICATE)
    ]
    run_jobs()
    return ids[1], ids[0]


def stored_labels() -> list[tuple[int, int, bool, str]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(DuplicateLabel.low_id, DuplicateLabel.high_id, DuplicateLabel.is_duplicate, DuplicateLabel.source)
    )
    return [tuple(row) for row in rows]


def test_a_merge_confirms_the_pair_with_its_score_and_an_undo_takes_it_back(pair, mod_api, finish):
    duplicate, original = pair
    expected = similarity.pair_score(duplicate, original)
    finish(mod_api.post(f"/api/v1/ideas/{duplicate}/merge", json={"into": original}), mod_api)
    assert stored_labels() == [(original, duplicate, True, "merge")]
    label = db.session.scalar(select(DuplicateLabel))
    assert label.score == pytest.approx(expected, abs=1e-4) and label.score > 0.3
    finish(mod_api.post(f"/api/v1/ideas/{duplicate}/unmerge"), mod_api)
    assert stored_labels() == []


def test_a_dismissal_rejects_the_pair_at_the_score_the_queue_showed(pair, mod_api):
    (item,) = ok_json(mod_api.get("/api/v1/moderation/duplicates"))["items"]
    ok_json(mod_api.post(f"/api/v1/moderation/duplicates/{item['id']}/dismiss"))
    duplicate, original = pair
    assert stored_labels() == [(original, duplicate, False, "dismissal")]
    assert db.session.scalar(select(DuplicateLabel.score)) == item["score"]


def verdicts(*groups: tuple[int, float, bool]) -> list[tuple[float, bool]]:
    """`count` labels at `score`, duplicates or not, for each (count, score, is_duplicate)."""
    return [(score, is_duplicate) for count, score, is_duplicate in groups for _ in range(count)]


def test_too_few_verdicts_change_nothing():
    outcome = labels.recalibrate(verdicts((20, 0.5, True), (2, 0.4, False)), 0.3, FLOOR, 10)
    assert not outcome.applied and outcome.after == outcome.before
    assert "too few" in outcome.reason


# A noisy queue: most pairs between 0.30 and 0.38 were dismissed. Precision is 0.50 at 0.30, 0.75 at
# 0.33, 0.72 at 0.36 and 1 from 0.38 on.
NOISY = verdicts((10, 0.32, False), (2, 0.33, True), (5, 0.36, False), (3, 0.38, True), (10, 0.45, True))


def test_noisy_queue_raises_the_threshold_back_above_the_floor():
    outcome = labels.recalibrate(NOISY, 0.3, FLOOR, 10)
    assert outcome.applied
    assert outcome.before.precision == pytest.approx(15 / 30)
    assert outcome.after.threshold == pytest.approx(0.38)
    assert outcome.after.precision == 1.0 and outcome.after.recall == pytest.approx(13 / 15)


def test_a_clean_queue_lowers_the_threshold_one_step_at_a_time():
    # Moderators merged pairs far below the threshold and dismissed few: lower, but by MAX_STEP_DOWN at most.
    labels_ = verdicts((20, 0.5, True), (3, 0.31, False), (3, 0.1, False), (20, 0.2, True))
    outcome = labels.recalibrate(labels_, 0.3, FLOOR, 10)
    assert outcome.applied
    assert outcome.after.threshold == pytest.approx(0.3 - labels.MAX_STEP_DOWN)
    assert outcome.after.recall == pytest.approx(20 / 40)


def test_the_chosen_threshold_never_has_precision_below_the_floor():
    generator = random.Random(7)
    for _ in range(300):
        labels_ = [(round(generator.random(), 3), generator.random() < 0.6) for _ in range(generator.randint(10, 60))]
        current = round(generator.uniform(0.1, 0.6), 3)
        outcome = labels.recalibrate(labels_, current, FLOOR, 10)
        if outcome.applied:
            assert outcome.after.precision >= FLOOR
            assert outcome.after.threshold >= current - labels.MAX_STEP_DOWN - 1e-9
            lower = [at for at, _ in labels_ if current - labels.MAX_STEP_DOWN <= at < outcome.after.threshold]
            assert all(labels.figures(labels_, at).precision < FLOOR for at in lower)


def test_calibrate_stores_logs_audits_and_the_queue_uses_the_new_threshold(app, monkeypatch, caplog, pair):
    kept = NOISY
    monkeypatch.setattr(labels, "_labels", lambda: kept)
    assert labels.threshold() == 0.3
    with caplog.at_level(logging.INFO, logger="moderation.labels"):
        run = labels.calibrate()
        db.session.commit()
    assert run.applied and run.threshold == pytest.approx(0.38) and run.threshold_before == 0.3
    assert (run.labels, run.duplicates) == (30, 15)
    assert run.figures["before"]["precision"] == pytest.approx(15 / 30)
    assert run.figures["after"]["precision"] == 1.0
    (line,) = [record.getMessage() for record in caplog.records if "threshold" in record.getMessage()]
    assert "0.300 (precision 0.500, recall 1.000) -> 0.380 (precision 1.000, recall 0.867)" in line
    (entry,) = audit_log("calibrate_duplicates")
    assert entry.details["before"] == {"threshold": 0.3} and entry.details["after"] == {"threshold": 0.38}
    assert labels.threshold() == pytest.approx(0.38)


def test_the_duplicate_job_uses_the_calibrated_threshold(api, make_user, run_jobs, mod_api):
    db.session.add(
        DuplicateCalibration(
            threshold_before=0.3, threshold=0.99, applied=True, labels=40, duplicates=30, figures={}, reason="test"
        )
    )
    db.session.commit()
    client = api(make_user())
    for title in (ORIGINAL, DUPLICATE):
        ok_json(client.post("/api/v1/ideas", json={"title": title, "body": "Please."}), 201)
    run_jobs()
    assert ok_json(mod_api.get("/api/v1/moderation/duplicates"))["items"] == []


def test_the_command_prints_the_figures_before_and_after(app, monkeypatch):
    monkeypatch.setattr(labels, "_labels", lambda: NOISY)
    result = app.test_cli_runner().invoke(args=["duplicates", "calibrate"])
    assert result.exit_code == 0, result.output
    assert "30 verdicts (15 merges, 15 dismissals)." in result.output
    assert "before: threshold 0.300, 30 pairs on the queue, precision 0.500, recall 1.000" in result.output
    assert " after: threshold 0.380, 13 pairs on the queue, precision 1.000, recall 0.867" in result.output
    assert "Applied: re-calibrated" in result.output


def test_the_weekly_job_runs_once_a_week(app, run_jobs):
    from jobs.moderation import calibrate_duplicates

    assert labels.calibration_due()
    assert calibrate_duplicates()["calibrated"] is True
    db.session.commit()
    assert not labels.calibration_due()
    assert calibrate_duplicates() == {"calibrated": False}
    assert db.session.scalar(select(db.func.count()).select_from(DuplicateCalibration)) == 1


def test_the_workers_schedule_the_weekly_job_once_among_many(app):
    connection = redis_connection()
    if connection is None:
        pytest.skip("needs REDIS_URL (the schedule lives in Redis)")
    connection.delete(periodic.KEY.format(name="jobs.moderation.calibrate_duplicates"))
    assert "jobs.moderation.calibrate_duplicates" in periodic.enqueue_due(connection)
    assert periodic.enqueue_due(connection) == []  # a second worker's pass starts nothing
    ttl = connection.ttl(periodic.KEY.format(name="jobs.moderation.calibrate_duplicates"))
    assert 6 * 86400 < ttl <= 7 * 86400


def test_authors_choices_before_posting_count_as_verdicts(pair, login_as, make_user):
    duplicate, original = pair
    author = login_as(make_user())
    instead = {"csrf_token": author.csrf, "idea_id": str(original), "title": "Free coffee in the Berlin kitchen"}
    assert author.post("/ideas/new/vote-instead", data=instead).status_code == 302
    db.session.commit()
    kept = labels._labels()
    assert len(kept) == 1 and kept[0][1] is True and kept[0][0] >= labels.threshold()
