"""job relay: each job's queue and an index over unfinished jobs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 13:00:00

job_records is the outbox: a job is recorded in the transaction of the change that needs it. The
relay finds the records Redis does not hold (it was down, or emptied) and the running jobs whose
worker died, through a partial index over the unfinished ones.
"""
from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UNFINISHED = "status IN ('queued', 'started')"


def upgrade():
    with op.batch_alter_table("job_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue", sa.String(length=20), server_default="default", nullable=False))
    op.create_index(
        "ix_job_records_unfinished",
        "job_records",
        ["created_at"],
        sqlite_where=sa.text(UNFINISHED),
        postgresql_where=sa.text(UNFINISHED),
    )


def downgrade():
    op.drop_index("ix_job_records_unfinished", table_name="job_records")
    with op.batch_alter_table("job_records", schema=None) as batch_op:
        batch_op.drop_column("queue")
