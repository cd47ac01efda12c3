"""sign-in back-off per account and client, instead of locking the account

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 14:00:00

Failed sign-ins are counted per (account, client address): a guesser is slowed down, and the owner,
signing in from their own client, never is.
"""
from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_failures",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_login_failures_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "client", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("last_failed_login_at")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_failed_login_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
    op.drop_table("login_failures")
