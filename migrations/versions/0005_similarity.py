"""similarity engine state

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 03:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('similarity_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('epoch', sa.String(length=32), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_similarity_state'))
    )
    op.create_table('similarity_documents',
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'], name=op.f('fk_similarity_documents_idea_id_ideas'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('idea_id', name=op.f('pk_similarity_documents'))
    )
    with op.batch_alter_table('similarity_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_similarity_documents_version'), ['version'], unique=False)


def downgrade():
    with op.batch_alter_table('similarity_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_similarity_documents_version'))

    op.drop_table('similarity_documents')
    op.drop_table('similarity_state')
