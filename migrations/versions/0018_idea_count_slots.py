"""the listings' totals spread over slots, so that concurrent posts do not wait for each other

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 18:20:00

Every new idea added one to the same idea_counts row (the key of everyone's open ideas), and the
row lock was held until the posting transaction committed: on PostgreSQL, concurrent posts queued
behind each other. Now each key has up to SLOTS rows (`slot` joins the primary key) and a total is
their sum. A writing transaction takes the first free slot (a transaction-level advisory lock per
slot, tried in order, so that the rows stay few) and changes only that slot's rows, by an upsert of
+1 or -1; with every slot busy it waits for one. SQLite has one writer at a time: slot 0 always.
Downgrading folds the slots back into one row per key.
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

SLOTS = 32
SLOT_LOCK_CLASS = 18  # the advisory lock's first key: slots of idea_counts (no other advisory locks exist)
OLD_KEY = ["audience", "campaign_id", "status", "hidden"]
KEY = [*OLD_KEY, "slot"]


def _listing_at_scale():
    """Migration 0007, whose key and trigger SQL this one builds on (and restores when downgrading)."""
    path = Path(__file__).with_name("0007_listing_at_scale.py")
    spec = importlib.util.spec_from_file_location("migration_0007", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


M0007 = _listing_at_scale()


def _add(row: str, delta: int, slot: str) -> str:
    """Add delta to the row's key in the given slot, creating the slot's row when it has none."""
    return (
        f"INSERT INTO idea_counts ({', '.join(KEY)}, n) VALUES ({M0007._key_values(row)}, {slot}, {delta}) "
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET n = idea_counts.n + ({delta})"
    )


SQLITE_TRIGGERS = [
    f"CREATE TRIGGER ideas_count_insert AFTER INSERT ON ideas BEGIN {_add('new', 1, '0')}; END",
    f"CREATE TRIGGER ideas_count_delete AFTER DELETE ON ideas BEGIN {_add('old', -1, '0')}; END",
    f"""CREATE TRIGGER ideas_count_update AFTER UPDATE OF {M0007.COUNTED_COLUMNS} ON ideas WHEN {M0007.SQLITE_CHANGED}
        BEGIN {_add("old", -1, "0")}; {_add("new", 1, "0")}; END""",
]
POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION idea_counts_slot() RETURNS integer LANGUAGE plpgsql AS $$
        DECLARE candidate integer;
        BEGIN
            FOR candidate IN 0..{SLOTS - 1} LOOP
                IF pg_try_advisory_xact_lock({SLOT_LOCK_CLASS}, candidate) THEN RETURN candidate; END IF;
            END LOOP;
            candidate := pg_backend_pid() % {SLOTS};
            PERFORM pg_advisory_xact_lock({SLOT_LOCK_CLASS}, candidate);
            RETURN candidate;
        END $$""",
    f"""CREATE FUNCTION ideas_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE own_slot integer := idea_counts_slot();
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN {_add("OLD", -1, "own_slot")}; END IF;
            IF TG_OP IN ('UPDATE', 'INSERT') THEN {_add("NEW", 1, "own_slot")}; END IF;
            RETURN NULL;
        END $$""",
    *M0007.POSTGRES_COUNT_TRIGGERS[1:],
]


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _drop_triggers() -> None:
    if _postgres():
        op.execute("DROP TRIGGER IF EXISTS ideas_count_insert_delete ON ideas")
        op.execute("DROP TRIGGER IF EXISTS ideas_count_update ON ideas")
        op.execute("DROP FUNCTION IF EXISTS ideas_count_change()")
        op.execute("DROP FUNCTION IF EXISTS idea_counts_slot()")
    else:
        for name in ("ideas_count_insert", "ideas_count_delete", "ideas_count_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _set_primary_key(columns: list[str]) -> None:
    with op.batch_alter_table("idea_counts") as batch_op:
        batch_op.drop_constraint("pk_idea_counts", type_="primary")
        batch_op.create_primary_key("pk_idea_counts", columns)


def upgrade():
    _drop_triggers()
    with op.batch_alter_table("idea_counts") as batch_op:
        batch_op.add_column(sa.Column("slot", sa.Integer(), nullable=False, server_default="0"))
    _set_primary_key(KEY)
    with op.batch_alter_table("idea_counts") as batch_op:
        batch_op.alter_column("slot", server_default=None)
    for statement in POSTGRES_TRIGGERS if _postgres() else SQLITE_TRIGGERS:
        op.execute(statement)


def _same_key(alias: str) -> str:
    """The alias's row has the key of the idea_counts row being changed."""
    return " AND ".join(f"{alias}.{column} = idea_counts.{column}" for column in OLD_KEY)


def downgrade():
    _drop_triggers()
    first_slot = f"(SELECT min(first.slot) FROM idea_counts first WHERE {_same_key('first')})"
    op.execute(
        f"UPDATE idea_counts SET n = (SELECT sum(other.n) FROM idea_counts other WHERE {_same_key('other')}) "
        f"WHERE slot = {first_slot}"
    )
    op.execute(f"DELETE FROM idea_counts WHERE slot <> {first_slot}")
    _set_primary_key(OLD_KEY)
    with op.batch_alter_table("idea_counts") as batch_op:
        batch_op.drop_column("slot")
    for statement in M0007.POSTGRES_COUNT_TRIGGERS if _postgres() else M0007.SQLITE_COUNT_TRIGGERS:
        op.execute(statement)
