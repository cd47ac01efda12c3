"""The duplicate queue learns from moderators: every merge confirms a pair, every dismissal rejects one,
and the queue's threshold is re-calibrated on those verdicts (weekly, and on demand). Authors' choices
before posting (ideas.posting: voting for a close match instead, or posting anyway) count as verdicts too.

A verdict is kept with the engine's score of the pair (duplicate_labels). Re-calibration picks the
lowest threshold whose precision on the labels stays at or above DUPLICATE_PRECISION_FLOOR, so
the queue catches as many duplicates as it can without burying moderators. Dismissals only exist
for pairs the queue showed, so below the threshold in force the labels hold merges alone and
would make a lower threshold look better than it is: one calibration lowers the threshold by at
most MAX_STEP_DOWN, and the dismissals of the pairs that step lets in correct the next one. It
may raise the threshold by any amount to get back above the floor.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from core import audit
from core.extensions import db
from core.sql import insert_or_update
from core.timeutil import as_utc, utcnow
from ideas import similarity
from ideas.models import PostingChoice
from moderation.models import DuplicateCalibration, DuplicateLabel, DuplicateSuggestion

log = logging.getLogger(__name__)

MAX_STEP_DOWN = 0.02
MIN_EACH = 5  # merges and dismissals each, besides DUPLICATE_MIN_LABELS in all
WEEKLY = timedelta(days=7)
WEEKLY_SLACK = timedelta(hours=12)


def threshold() -> float:
    """The score from which a pair goes on the queue: the last applied calibration's, or the configured one."""
    statement = (
        select(DuplicateCalibration.threshold)
        .where(DuplicateCalibration.applied.is_(True))
        .order_by(DuplicateCalibration.id.desc())
        .limit(1)
    )
    calibrated = db.session.scalar(statement)
    return current_app.config["DUPLICATE_MIN_SCORE"] if calibrated is None else calibrated


def _keep(first_id: int, second_id: int, is_duplicate: bool, score: float, source: str, actor_id, merge_id=None):
    low, high = sorted((first_id, second_id))
    values = {
        "low_id": low,
        "high_id": high,
        "is_duplicate": is_duplicate,
        "score": score,
        "source": source,
        "merge_id": merge_id,
        "actor_id": actor_id,
        "created_at": utcnow(),
    }
    changes = {key: values[key] for key in ("is_duplicate", "score", "source", "merge_id", "actor_id", "created_at")}
    db.session.execute(insert_or_update(DuplicateLabel.__table__, values, ["low_id", "high_id"], changes))


def confirm_by_merge(merge) -> None:
    """A merge confirms its pair, scored while both ideas are still indexed."""
    score = similarity.pair_score(merge.source_id, merge.target_id)
    if score is not None:
        _keep(merge.source_id, merge.target_id, True, round(score, 4), "merge", merge.actor_id, merge.id)


def withdraw_merge(merge_id: int) -> None:
    """An undone merge takes back the verdict it gave."""
    db.session.execute(delete(DuplicateLabel).where(DuplicateLabel.merge_id == merge_id))


def reject(suggestion: DuplicateSuggestion, actor_id: int) -> None:
    """A dismissed suggestion rejects its pair, at the score the queue showed."""
    _keep(suggestion.low_id, suggestion.high_id, False, suggestion.score, "dismissal", actor_id)


@dataclass(frozen=True)
class Figures:
    """The queue's quality on the labels at one threshold (None where there is nothing to divide by)."""

    threshold: float
    flagged: int
    precision: float | None
    recall: float | None


@dataclass(frozen=True)
class Outcome:
    before: Figures
    after: Figures
    applied: bool
    reason: str


def figures(labels: list[tuple[float, bool]], at: float) -> Figures:
    """Precision and recall of a queue that shows every labelled pair scoring at least `at`."""
    flagged = [is_duplicate for score, is_duplicate in labels if score >= at]
    duplicates = sum(is_duplicate for _, is_duplicate in labels)
    found = sum(flagged)
    return Figures(
        threshold=at,
        flagged=len(flagged),
        precision=found / len(flagged) if flagged else None,
        recall=found / duplicates if duplicates else None,
    )


def _meets(figure: Figures, floor: float) -> bool:
    return figure.precision is not None and figure.precision >= floor


def recalibrate(labels: list[tuple[float, bool]], current: float, floor: float, min_labels: int) -> Outcome:
    """The lowest threshold, at most MAX_STEP_DOWN below the current one, whose precision is at least the floor."""
    before = figures(labels, current)
    duplicates = sum(is_duplicate for _, is_duplicate in labels)
    if len(labels) < min_labels or min(duplicates, len(labels) - duplicates) < MIN_EACH:
        reason = f"too few verdicts: {len(labels)} ({duplicates} merges), at least {min_labels} with {MIN_EACH} of each"
        return Outcome(before, before, False, reason)
    lowest = current - MAX_STEP_DOWN
    candidates = sorted({lowest, current, *(score for score, _ in labels if score >= lowest)})
    feasible = [figures(labels, at) for at in candidates if _meets(figures(labels, at), floor)]
    if not feasible:
        return Outcome(before, before, False, f"no threshold keeps precision at the floor {floor:.2f}")
    after = feasible[0]
    if after.threshold == current:
        return Outcome(before, after, False, "the threshold in force is already the best one")
    return Outcome(before, after, True, "re-calibrated on the moderators' verdicts")


def _labels() -> list[tuple[float, bool]]:
    """Every verdict with its pair's score: moderators' merges and dismissals, and authors' choices before
    posting (voting for a close match instead, or posting anyway)."""
    verdicts = select(DuplicateLabel.score, DuplicateLabel.is_duplicate)
    choices = select(PostingChoice.score, PostingChoice.is_duplicate)
    return [tuple(row) for row in db.session.execute(verdicts.union_all(choices))]


def _describe(figure: Figures) -> str:
    def share(value):
        return "-" if value is None else f"{value:.3f}"

    return f"{figure.threshold:.3f} (precision {share(figure.precision)}, recall {share(figure.recall)})"


def calibrate(actor=None) -> DuplicateCalibration:
    """Re-calibrate the queue's threshold on every verdict so far; the run is kept, and logged with its figures."""
    labels = _labels()
    config = current_app.config
    outcome = recalibrate(labels, threshold(), config["DUPLICATE_PRECISION_FLOOR"], config["DUPLICATE_MIN_LABELS"])
    run = DuplicateCalibration(
        threshold_before=outcome.before.threshold,
        threshold=outcome.after.threshold,
        applied=outcome.applied,
        labels=len(labels),
        duplicates=sum(is_duplicate for _, is_duplicate in labels),
        figures={"before": asdict(outcome.before), "after": asdict(outcome.after)},
        reason=outcome.reason,
        actor_id=getattr(actor, "id", None),
    )
    db.session.add(run)
    db.session.flush()
    log.info(
        "Duplicate queue threshold %s -> %s on %d verdicts (%d duplicates): %s",
        _describe(outcome.before),
        _describe(outcome.after),
        run.labels,
        run.duplicates,
        outcome.reason,
    )
    if outcome.applied:
        audit.record(
            actor,
            "calibrate_duplicates",
            "duplicate_queue",
            run.id,
            before={"threshold": run.threshold_before},
            after={"threshold": run.threshold},
            labels=run.labels,
        )
    return run


def calibration_due() -> bool:
    """Whether the weekly calibration should run: none ran in the last week (give or take the job's delay)."""
    latest = db.session.scalar(select(DuplicateCalibration.created_at).order_by(DuplicateCalibration.id.desc()))
    return latest is None or utcnow() - as_utc(latest) >= WEEKLY - WEEKLY_SLACK


def latest_calibration() -> DuplicateCalibration | None:
    """The last calibration run, applied or not."""
    return db.session.scalar(select(DuplicateCalibration).order_by(DuplicateCalibration.id.desc()).limit(1))
