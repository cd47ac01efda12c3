"""a job remembers the request that caused it

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 17:30:00

The request id was handed to RQ with the job, so a job the relay dispatched again (lost while Redis
was down, or resumed after its worker died) logged without it. The job record now carries it.
"""
from alembic import op
import sqlalchemy as sa


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("job_records", schema=None) as batch_op:
        batch_op.drop_column("request_id")
