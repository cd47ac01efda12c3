"""listing at scale: an index per sort, exact totals kept by triggers, a stored search document

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:00:00

- ix_ideas_listed_<sort>: (sort key, id) over the ideas that are listed (not merged), so a page
  in any sort is an index scan stopped after the page, whatever the size of the table.
- idea_counts: how many ideas each audience has per campaign, status and hidden flag, kept exact
  by triggers on ideas (both dialects), so a listing's total is a sum of a few rows, not a count
  over the table.
- PostgreSQL: the search document is stored (a generated tsvector column), so matching a row
  costs a lookup instead of parsing its text again.
- Comments are read per idea in time order: (idea_id, created_at, id).
"""
from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LISTED_SORTS = {"hot": ["hot_score", "id"], "top": ["vote_count", "id"], "new": ["id"], "discussed": ["comment_count", "id"]}
LISTED = sa.text("merged_into_id IS NULL")

AUDIENCE = "CASE WHEN {row}.visibility = 'department' THEN {row}.department_id ELSE 0 END"
COUNT_KEY = "audience, campaign_id, status, hidden"


def _key_values(row: str) -> str:
    return f"{AUDIENCE.format(row=row)}, coalesce({row}.campaign_id, 0), {row}.status, {row}.hidden"


def _increment(row: str) -> str:
    return (
        f"INSERT INTO idea_counts ({COUNT_KEY}, n) VALUES ({_key_values(row)}, 1) "
        f"ON CONFLICT ({COUNT_KEY}) DO UPDATE SET n = idea_counts.n + 1"
    )


def _decrement(row: str) -> str:
    return f"UPDATE idea_counts SET n = n - 1 WHERE ({COUNT_KEY}) = ({_key_values(row)})"


CHANGED = " OR ".join(
    f"old.{column} IS DISTINCT FROM new.{column}" for column in ("visibility", "department_id", "campaign_id", "status", "hidden")
)
SQLITE_CHANGED = CHANGED.replace("IS DISTINCT FROM", "IS NOT")
COUNTED_COLUMNS = "visibility, department_id, campaign_id, status, hidden"

SQLITE_COUNT_TRIGGERS = [
    f"CREATE TRIGGER ideas_count_insert AFTER INSERT ON ideas BEGIN {_increment('new')}; END",
    f"CREATE TRIGGER ideas_count_delete AFTER DELETE ON ideas BEGIN {_decrement('old')}; END",
    f"""CREATE TRIGGER ideas_count_update AFTER UPDATE OF {COUNTED_COLUMNS} ON ideas WHEN {SQLITE_CHANGED}
        BEGIN {_decrement('old')}; {_increment('new')}; END""",
]
POSTGRES_COUNT_TRIGGERS = [
    f"""CREATE FUNCTION ideas_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN {_decrement('OLD')}; END IF;
            IF TG_OP IN ('UPDATE', 'INSERT') THEN {_increment('NEW')}; END IF;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER ideas_count_insert_delete AFTER INSERT OR DELETE ON ideas
       FOR EACH ROW EXECUTE FUNCTION ideas_count_change()""",
    f"""CREATE TRIGGER ideas_count_update AFTER UPDATE OF {COUNTED_COLUMNS} ON ideas
       FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION ideas_count_change()""",
]
BACKFILL = f"""INSERT INTO idea_counts ({COUNT_KEY}, n)
    SELECT {AUDIENCE.format(row='ideas')}, coalesce(campaign_id, 0), status, hidden, count(*) FROM ideas
    GROUP BY 1, 2, 3, 4"""

POSTGRES_SEARCH_DOCUMENT = [
    "DROP INDEX IF EXISTS ix_ideas_search",
    """ALTER TABLE ideas ADD COLUMN search_document tsvector
       GENERATED ALWAYS AS (to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(body, ''))) STORED""",
    "CREATE INDEX ix_ideas_search ON ideas USING gin (search_document)",
]
POSTGRES_SEARCH_EXPRESSION = [
    "DROP INDEX IF EXISTS ix_ideas_search",
    "ALTER TABLE ideas DROP COLUMN IF EXISTS search_document",
    """CREATE INDEX ix_ideas_search ON ideas
       USING gin (to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(body, '')))""",
]


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_index("ix_ideas_department_visibility")
        for sort, columns in LISTED_SORTS.items():
            batch_op.create_index(
                f"ix_ideas_listed_{sort}", columns, unique=False, postgresql_where=LISTED, sqlite_where=LISTED
            )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_idea_id_id")
        batch_op.create_index("ix_comments_idea_thread", ["idea_id", "created_at", "id"], unique=False)
    op.create_table(
        "idea_counts",
        sa.Column("audience", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("campaign_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("audience", "campaign_id", "status", "hidden", name=op.f("pk_idea_counts")),
    )
    op.execute(BACKFILL)
    for statement in POSTGRES_COUNT_TRIGGERS if _postgres() else SQLITE_COUNT_TRIGGERS:
        op.execute(statement)
    if _postgres():
        for statement in POSTGRES_SEARCH_DOCUMENT:
            op.execute(statement)
        op.execute("ANALYZE ideas")  # the planner needs the new column's statistics to plan searches


def downgrade():
    if _postgres():
        for statement in POSTGRES_SEARCH_EXPRESSION:
            op.execute(statement)
        op.execute("DROP TRIGGER IF EXISTS ideas_count_insert_delete ON ideas")
        op.execute("DROP TRIGGER IF EXISTS ideas_count_update ON ideas")
        op.execute("DROP FUNCTION IF EXISTS ideas_count_change()")
    else:
        for name in ("ideas_count_insert", "ideas_count_delete", "ideas_count_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("idea_counts")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_idea_thread")
        batch_op.create_index("ix_comments_idea_id_id", ["idea_id", "id"], unique=False)
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        for sort in LISTED_SORTS:
            batch_op.drop_index(f"ix_ideas_listed_{sort}")
        batch_op.create_index("ix_ideas_department_visibility", ["department_id", "visibility"], unique=False)
