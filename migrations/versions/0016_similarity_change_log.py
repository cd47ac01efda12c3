"""similarity change log: writers append a row instead of taking the one state row's lock

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 06:40:00

Every change to the similarity index took the next version on the single `similarity_state` row
(UPDATE ... RETURNING), so every writing transaction waited for the one before it to commit. Now a
change is a row of `similarity_changes` (insert only); `similarity_state` keeps the epoch and how far
the log was pruned, and `similarity_documents` loses its version. The first change after the upgrade
is logged at id 1: processes started before it reload on their first read (the state row changes).
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

CHANGE_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "similarity_changes",
        sa.Column("id", CHANGE_ID, primary_key=True, autoincrement=True),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_similarity_changes_created_at"), "similarity_changes", ["created_at"])
    with op.batch_alter_table("similarity_documents") as batch_op:
        batch_op.drop_index(batch_op.f("ix_similarity_documents_version"))
        batch_op.drop_column("version")
    with op.batch_alter_table("similarity_state") as batch_op:
        batch_op.add_column(sa.Column("pruned_through", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.drop_column("version")
    # a new epoch: every running process reloads instead of reading versions it no longer finds
    op.execute("UPDATE similarity_state SET epoch = 'c0de0016' || substr(epoch, 9)")


def downgrade():
    with op.batch_alter_table("similarity_state") as batch_op:
        batch_op.add_column(sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.drop_column("pruned_through")
    with op.batch_alter_table("similarity_documents") as batch_op:
        batch_op.add_column(sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.create_index(batch_op.f("ix_similarity_documents_version"), ["version"], unique=False)
    op.drop_index(op.f("ix_similarity_changes_created_at"), table_name="similarity_changes")
    op.drop_table("similarity_changes")
