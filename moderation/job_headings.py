"""What the job page's heading says: one wording per moderation job and state (running, done, failed)."""

RUNNING = ("queued", "started")

HEADINGS = {
    "jobs.moderation.merge": ("Merging ideas…", "Merge done", "Merge failed"),
    "jobs.moderation.unmerge": ("Undoing a merge…", "Merge undone", "Undoing the merge failed"),
    "jobs.moderation.move": ("Moving a thread…", "Thread moved", "Moving the thread failed"),
    "jobs.moderation.undo_move": ("Undoing a move…", "Move undone", "Undoing the move failed"),
}


def job_heading(name: str, status: str) -> str:
    """The heading for a job of this name in this status; a neutral one for any other job."""
    running, done, failed = HEADINGS.get(name, ("Background job…", "Background job done", "Background job failed"))
    if status == "finished":
        return done
    if status == "failed":
        return failed
    return running
