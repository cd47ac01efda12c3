"""the author's choice before posting: vote for a close match instead, or post anyway

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 06:40:00

Each choice is a labelled pair for the duplicate engine (posting_choices): the author's title, the
close match they were shown, the engine's score of the pair, and whether they judged it a duplicate.
"""

from alembic import op
import sqlalchemy as sa


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "posting_choices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("idea_id", sa.Integer(), sa.ForeignKey("ideas.id", ondelete="CASCADE"), nullable=False),
        sa.Column("posted_idea_id", sa.Integer(), sa.ForeignKey("ideas.id", ondelete="SET NULL"), nullable=True),
        sa.Column("is_duplicate", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_posting_choices_user_id", "posting_choices", ["user_id"])
    op.create_index("ix_posting_choices_idea_id", "posting_choices", ["idea_id"])


def downgrade():
    op.drop_index("ix_posting_choices_idea_id", table_name="posting_choices")
    op.drop_index("ix_posting_choices_user_id", table_name="posting_choices")
    op.drop_table("posting_choices")
