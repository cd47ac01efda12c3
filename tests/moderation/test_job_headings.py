"""The job page's heading for each moderation job and state."""

import pytest

from moderation.job_headings import job_heading


@pytest.mark.parametrize(
    ("name", "status", "heading"),
    [
        ("jobs.moderation.merge", "queued", "Merging ideas…"),
        ("jobs.moderation.merge", "started", "Merging ideas…"),
        ("jobs.moderation.merge", "finished", "Merge done"),
        ("jobs.moderation.merge", "failed", "Merge failed"),
        ("jobs.moderation.unmerge", "finished", "Merge undone"),
        ("jobs.moderation.move", "failed", "Moving the thread failed"),
        ("jobs.moderation.undo_move", "started", "Undoing a move…"),
        ("jobs.something.else", "finished", "Background job done"),
    ],
)
def test_the_heading_follows_the_job_and_its_state(name, status, heading):
    assert job_heading(name, status) == heading
