"""The audit log: every moderator action with who, what, target, when and details; filters; never edited."""

import re

import pytest
from sqlalchemy import delete, update

from core.audit import AuditEntry, AuditLogIsAppendOnly
from core.extensions import db
from tests.moderation.support import MODERATOR_ACTIONS, audit_log, ok_json


def audit(client, **filters) -> list[dict]:
    """GET /api/v1/audit with these filters."""
    return ok_json(client.get("/api/v1/audit", query_string=filters))["items"]


def test_every_moderator_action_is_logged_newest_first(history, mod_api):
    items = audit(mod_api)
    assert sorted({item["action"] for item in items}) == sorted(MODERATOR_ACTIONS)
    assert [item["id"] for item in items] == sorted((item["id"] for item in items), reverse=True)
    assert items[0]["action"] == "dismiss_flags"
    assert items[0]["actor"] == {"id": history.second.id, "name": "Second Moderator"}
    for item in items:
        assert set(item) == {"id", "actor", "action", "target_type", "target_id", "details", "created_at"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item["created_at"])
        assert item["target_type"] in ("idea", "comment") and isinstance(item["target_id"], int)
        assert isinstance(item["details"], dict)


def test_entries_carry_before_and_after(history, mod_api):
    (lock,) = audit(mod_api, action="lock")
    assert (lock["target_id"], lock["details"]) == (history.a, {"before": {"locked": False}, "after": {"locked": True}})
    (unmerge,) = audit(mod_api, action="unmerge")
    assert unmerge["details"]["before"] == {"status": "merged", "merged_into": history.a}
    assert unmerge["details"]["after"] == {"status": "open"}
    (move,) = audit(mod_api, action="move_comments")
    assert (move["details"]["from_idea"], move["details"]["to_idea"]) == (history.a, history.b)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (lambda h: {"action": "merge"}, lambda h: [("merge", "idea", h.b)]),
        (lambda h: {"actor_id": h.second.id}, lambda h: [("dismiss_flags", "comment", h.comment)]),
        (
            lambda h: {"target_type": "comment"},
            lambda h: [
                ("dismiss_flags", "comment", h.comment),
                ("undo_move", "comment", h.comment),
                ("move_comments", "comment", h.comment),
            ],
        ),
        (
            lambda h: {"target_type": "idea", "target_id": h.b},
            lambda h: [
                ("dismiss_duplicate", "idea", h.b),
                ("unmerge", "idea", h.b),
                ("merge", "idea", h.b),
            ],
        ),
        (lambda h: {"action": "lock", "actor_id": h.second.id}, lambda h: []),
    ],
    ids=["action", "actor", "target-type", "target", "combined"],
)
def test_the_log_filters(history, mod_api, filters, expected):
    items = audit(mod_api, **filters(history))
    assert [(item["action"], item["target_type"], item["target_id"]) for item in items] == expected(history)


def test_a_bad_filter_is_a_422(history, mod_api):
    response = mod_api.get("/api/v1/audit", query_string={"actor_id": "me", "target_id": "-1"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"actor_id", "target_id"}


def test_an_entry_cannot_be_edited_or_deleted(history):
    entry = audit_log()[0]
    entry.details = {"rewritten": True}
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(audit_log()[0])
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    for statement in (update(AuditEntry).values(action="nothing"), delete(AuditEntry)):
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.execute(statement)
        db.session.rollback()
    assert sorted({entry.action for entry in audit_log()}) == sorted(MODERATOR_ACTIONS)
    assert not any(entry.details == {"rewritten": True} for entry in audit_log())
