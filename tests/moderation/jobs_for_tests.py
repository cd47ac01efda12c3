"""Job functions only the moderation tests enqueue, by dotted name like real jobs."""

import time

from rq import get_current_job

from core.extensions import db
from core.jobs import set_progress
from core.models import JobRecord
from moderation import merges

COPIED = 0.9  # the progress reported once the merge's work is done but not yet committed


def merge_then_hang(merge_id: int, seconds: float):
    """The real merge job, then (on the first attempt only) a hang with its transaction still open."""
    result = merges.perform_merge(merge_id)
    set_progress(COPIED)
    if db.session.get(JobRecord, get_current_job().id).attempts == 1:
        time.sleep(seconds)
    return result
