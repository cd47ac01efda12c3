"""each idea's sentence embedding, computed once by a job

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 20:40:00

The semantic channel of the similarity engine: one int8 vector per idea, with the
model that made it and a digest of the text it was made from, so that an edit or a new model
is seen and nothing else is computed twice.
"""
from alembic import op
import sqlalchemy as sa


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "similarity_embeddings",
        sa.Column("idea_id", sa.Integer(), sa.ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("text_digest", sa.String(length=32), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
    )


def downgrade():
    op.drop_table("similarity_embeddings")
