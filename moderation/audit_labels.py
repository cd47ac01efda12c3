"""The audit log in words: one name for each action, target kind and detail, and the details as rows to show."""

from dataclasses import dataclass

from core.audit import AuditEntry
from ideas.models import status_label

ACTIONS = {
    "hide": "Hid an item",
    "restore": "Restored an item",
    "lock": "Locked an idea",
    "unlock": "Unlocked an idea",
    "edit_idea": "Edited an idea",
    "merge": "Merged an idea",
    "unmerge": "Undid a merge",
    "merge_cancel": "Cancelled a merge",
    "merge_retry": "Retried a merge",
    "move_comments": "Moved a thread",
    "undo_move": "Undid a thread move",
    "dismiss_flags": "Dismissed flags",
    "dismiss_duplicate": "Dismissed a duplicate suggestion",
    "calibrate_duplicates": "Recalibrated the duplicate queue",
    "respond": "Responded to an idea",
    "campaign_create": "Created a campaign",
    "campaign_update": "Updated a campaign",
    "role_change": "Changed a role",
    "revoke_tokens": "Revoked API tokens",
    "user_activate": "Reactivated a person",
    "user_deactivate": "Deactivated a person",
    "user_provisioned": "Created an account at its first single sign-on",
    "identity_linked": "Linked a single sign-on account to a person",
    "email_retry": "Retried an e-mail",
    "webhook_create": "Added a webhook",
    "webhook_delete": "Removed a webhook",
    "webhook_retry": "Retried a webhook delivery",
}
# Hiding and restoring apply to ideas and comments alike: the name says which.
ACTIONS_ON = {("hide", "idea"): "Hid an idea", ("hide", "comment"): "Hid a comment",
              ("restore", "idea"): "Restored an idea", ("restore", "comment"): "Restored a comment"}  # fmt: skip

TARGET_KINDS = {
    "idea": "Idea",
    "comment": "Comment",
    "user": "Person",
    "merge": "Merge",
    "campaign": "Campaign",
    "duplicate_queue": "Duplicate queue",
    "notification": "Notification",
    "webhook": "Webhook",
    "webhook_delivery": "Webhook delivery",
}

DETAIL_NAMES = {
    "merged_into": "Merged into",
    "from_idea": "From idea",
    "to_idea": "To idea",
    "duplicate_of": "Duplicate of",
    "move_id": "Move",
    "merge_id": "Merge",
    "response_id": "Response",
    "job_id": "Job",
    "moved": "Comments moved",
    "count": "Count",
    "email_state": "E-mail state",
    "url": "Address",
    "issuer": "Identity provider",
    "source": "Source",
}
# Details whose value is an idea id: shown as a link to the idea.
IDEA_DETAILS = frozenset({"merged_into", "from_idea", "to_idea", "duplicate_of"})


def readable(name: str) -> str:
    """A snake_case name in words: 'dismiss_flags' → 'Dismiss flags'."""
    return name.replace("_", " ").strip().capitalize()


def action_label(action: str, target_type: str | None = None) -> str:
    """The action's name in words, for this kind of target."""
    return ACTIONS_ON.get((action, target_type)) or ACTIONS.get(action) or readable(action)


def target_label(target_type: str) -> str:
    return TARGET_KINDS.get(target_type) or readable(target_type)


def detail_label(key: str) -> str:
    return DETAIL_NAMES.get(key) or readable(key)


def shown(key: str, value) -> str:
    """A detail's value in words: statuses by their label, yes/no, lists joined, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "status" and isinstance(value, str):
        return status_label(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return ", ".join(shown(key, item) for item in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{detail_label(name)}: {shown(name, item)}" for name, item in value.items()) or "—"
    return str(value)


@dataclass(frozen=True)
class Detail:
    """One row of an entry's details: `before → after` for a change, else `value`; `idea_id` links to an idea."""

    label: str
    value: str = ""
    before: str = ""
    after: str = ""
    changed: bool = False
    idea_id: int | None = None


def detail_rows(details: dict, idea_titles: dict[int, str]) -> list[Detail]:
    """An entry's details as rows: each field of before/after as one change, then the other keys.

    An idea the viewer may see (it is in `idea_titles`) is named by its title and linked."""
    before, after = details.get("before") or {}, details.get("after") or {}
    rows = [
        Detail(detail_label(key), before=_idea_or(key, before.get(key), idea_titles),
               after=_idea_or(key, after.get(key), idea_titles), changed=True)
        for key in dict.fromkeys([*before, *after])
    ]  # fmt: skip
    for key, value in details.items():
        if key in ("before", "after"):
            continue
        linked = value if key in IDEA_DETAILS and value in idea_titles else None
        rows.append(Detail(detail_label(key), value=_idea_or(key, value, idea_titles), idea_id=linked))
    return rows


def _idea_or(key: str, value, idea_titles: dict[int, str]) -> str:
    if key in IDEA_DETAILS and isinstance(value, int):
        return f"“{idea_titles[value]}” (#{value})" if value in idea_titles else f"idea #{value}"
    return shown(key, value)


def idea_ids(details: dict) -> set[int]:
    """The idea ids an entry's details name (merged into, moved from, …), to look their titles up."""
    found = set()
    for part in (details, details.get("before") or {}, details.get("after") or {}):
        found.update(value for key, value in part.items() if key in IDEA_DETAILS and isinstance(value, int))
    return found


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as the page shows it."""

    entry: AuditEntry
    actor_name: str | None
    action: str
    target: str
    target_idea_id: int | None  # the idea page to link to, when the viewer may see it
    details: list[Detail]


def in_words(rows, idea_titles: dict[int, str], user_names: dict[int, str]) -> list[AuditRow]:
    """Audit entries (with their actors' names) in words, naming the ideas and people they act on."""
    return [
        AuditRow(
            entry=entry,
            actor_name=actor_name,
            action=action_label(entry.action, entry.target_type),
            target=_target(entry, idea_titles, user_names),
            target_idea_id=entry.target_id if entry.target_type == "idea" and entry.target_id in idea_titles else None,
            details=detail_rows(entry.details or {}, idea_titles),
        )
        for entry, actor_name in rows
    ]


def _target(entry: AuditEntry, idea_titles: dict[int, str], user_names: dict[int, str]) -> str:
    kind = target_label(entry.target_type)
    if entry.target_type == "idea" and entry.target_id in idea_titles:
        return f"“{idea_titles[entry.target_id]}”"
    if entry.target_type == "user" and entry.target_id in user_names:
        return f"{kind}: {user_names[entry.target_id]}"
    return f"{kind} #{entry.target_id}" if entry.target_id is not None else kind
