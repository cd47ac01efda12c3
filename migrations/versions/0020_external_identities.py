"""single sign-on: the identity provider's accounts linked to users, and each login session's ID token

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 21:40:00

A person signing in through OpenID Connect is known by the provider's issuer and subject, which never
change, whatever their e-mail address becomes (accounts/sso.py). A login session made by single sign-on
keeps its ID token, which signing out hands back to the provider (too large for a cookie with many groups).
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "external_identities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("issuer", "subject", name="uq_external_identities_issuer_subject"),
    )
    op.create_index("ix_external_identities_user_id", "external_identities", ["user_id"])
    op.add_column("login_sessions", sa.Column("id_token", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("login_sessions") as batch:
        batch.drop_column("id_token")
    op.drop_index("ix_external_identities_user_id", table_name="external_identities")
    op.drop_table("external_identities")
