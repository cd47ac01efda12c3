"""notifications carry their own message: e-mail subject, link and link title

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00

Notifications become a delivery layer that knows nothing of ideas: whoever raises an event hands
down the whole message. Existing notifications get the subject and link their e-mail had.
"""
from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BACKFILL = """UPDATE notifications SET
    link = '/ideas/' || idea_id,
    link_title = (SELECT title FROM ideas WHERE ideas.id = notifications.idea_id),
    subject = CASE WHEN kind = 'idea_responded'
                   THEN 'Ideapool: an answer to “' || (SELECT title FROM ideas WHERE ideas.id = notifications.idea_id) || '”'
                   ELSE 'Ideapool: ' || (SELECT title FROM ideas WHERE ideas.id = notifications.idea_id) END
    WHERE idea_id IS NOT NULL"""


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("link", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("link_title", sa.String(length=300), nullable=True))
    op.execute(BACKFILL)


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("link_title")
        batch_op.drop_column("link")
        batch_op.drop_column("subject")
