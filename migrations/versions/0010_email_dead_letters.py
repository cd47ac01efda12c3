"""e-mail dead letters: a notification's e-mail can fail for good, with its error and attempts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:30:00

A message that cannot be built, that the SMTP server refuses for good, or that keeps being refused
is set aside as 'failed' (an admin sees it and can retry it) instead of holding up the others.
"""
from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BEFORE = "email_state IN ('none', 'pending', 'sent', 'digest', 'digested')"
AFTER = "email_state IN ('none', 'pending', 'sent', 'digest', 'digested', 'failed')"


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("email_error", sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f("ck_notifications_email_state"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_email_state"), AFTER)


def downgrade():
    op.execute("UPDATE notifications SET email_state = 'none' WHERE email_state = 'failed'")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_email_state"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_email_state"), BEFORE)
        batch_op.drop_column("email_error")
        batch_op.drop_column("email_attempts")
