"""moderators' verdicts on duplicate pairs, and the queue threshold re-calibrated on them

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 01:50:00

Every merge confirms a pair and every dismissal rejects one (duplicate_labels, with the engine's
score of the pair); each re-calibration of the duplicate queue's threshold on those labels is kept
with its before/after figures (duplicate_calibrations).
"""
from alembic import op
import sqlalchemy as sa


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "duplicate_labels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("low_id", sa.Integer(), sa.ForeignKey("ideas.id", ondelete="CASCADE"), nullable=False),
        sa.Column("high_id", sa.Integer(), sa.ForeignKey("ideas.id", ondelete="CASCADE"), nullable=False),
        sa.Column("is_duplicate", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("merge_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("low_id", "high_id", name=op.f("uq_duplicate_labels_low_id_high_id")),
        sa.CheckConstraint("low_id < high_id", name=op.f("ck_duplicate_labels_ordered_pair")),
        sa.CheckConstraint("source IN ('merge', 'dismissal')", name=op.f("ck_duplicate_labels_source")),
    )
    op.create_index(op.f("ix_duplicate_labels_high_id"), "duplicate_labels", ["high_id"])
    op.create_index(op.f("ix_duplicate_labels_merge_id"), "duplicate_labels", ["merge_id"])
    op.create_table(
        "duplicate_calibrations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("threshold_before", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(op.f("ix_duplicate_calibrations_created_at"), "duplicate_calibrations", ["created_at"])


def downgrade():
    op.drop_table("duplicate_calibrations")
    op.drop_table("duplicate_labels")
