"""votes in time order per idea, for when an idea reached its vote threshold

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 19:00:00

The review queue counts an idea's wait from its threshold-th vote (review/responses.py): with
(idea_id, created_at, id) that vote is read straight from the index, however many votes it has.
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_votes_idea_time", "votes", ["idea_id", "created_at", "id"])


def downgrade():
    op.drop_index("ix_votes_idea_time", table_name="votes")
