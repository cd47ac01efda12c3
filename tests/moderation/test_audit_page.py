"""The audit log page: each entry in words (who, what, on which idea or person, the change), filters chosen
from lists, and HTML in a change shown as the text it was, escaped once."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from moderation.audit_labels import ACTIONS, TARGET_KINDS
from tests.moderation.support import MODERATOR_ACTIONS, ok_json

ROOT = Path(__file__).resolve().parents[2]


class AuditTable(HTMLParser):
    """The page's table rows as {column label: text}, with each cell's links, and the filter selects' options."""

    def __init__(self):
        super().__init__()
        self.rows, self.options, self.errors = [], {}, []
        self._cell = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.rows.append({})
        elif tag == "td" and "data-label" in attrs:
            self._cell = attrs["data-label"]
            self.rows[-1][self._cell] = ""
        elif tag == "a" and self._cell:
            self.rows[-1].setdefault("links", []).append(attrs.get("href"))
        elif tag == "select":
            self._select = attrs["name"]
            self.options[self._select] = []
        elif tag == "option" and self._select:
            self.options[self._select].append(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._cell:
            self.rows[-1][self._cell] += data


def read(browser, **filters) -> AuditTable:
    response = browser.get("/moderation/audit", query_string=filters)
    assert response.status_code == 200
    table = AuditTable()
    table.feed(response.get_data(as_text=True))
    table.rows = [{key: " ".join(value.split()) if isinstance(value, str) else value for key, value in row.items()}
                  for row in table.rows if row]  # fmt: skip
    return table


def test_each_entry_reads_as_words(history, login_as, moderator):
    rows = read(login_as(moderator)).rows
    assert len(rows) == len(MODERATOR_ACTIONS)  # each action once
    text = " ".join(row[column] for row in rows for column in ("Action", "Target", "Details"))
    assert "{" not in text and "_" not in text, "raw JSON or snake_case names on the page"
    assert {row["Action"] for row in rows} >= {"Locked an idea", "Merged an idea", "Moved a thread", "Hid an idea"}
    merge = next(row for row in rows if row["Action"] == "Merged an idea")
    assert merge["Target"].startswith("“Quiet rooms for every floor”")
    assert "Status: Open → Merged" in merge["Details"]
    assert f"Merged into: — → “Quiet rooms on every floor” (#{history.a})" in merge["Details"]
    assert f"/ideas/{history.b}?stay=1" in merge["links"]
    assert merge["Who"] == moderator.name


def test_the_filters_are_lists_to_choose_from(history, login_as, moderator):
    browser = login_as(moderator)
    table = read(browser, action="lock")
    assert [(row["Who"], row["Action"]) for row in table.rows] == [(moderator.name, "Locked an idea")]
    assert table.rows[0]["Target"].startswith("“Quiet rooms on every floor”")
    assert set(table.options["action"]) == {"", *ACTIONS}
    assert set(table.options["target_type"]) == {"", *TARGET_KINDS}
    assert {str(moderator.id), str(history.second.id)} <= set(table.options["actor_id"])
    only_second = read(browser, actor_id=history.second.id).rows
    assert [(row["Who"], row["Action"]) for row in only_second] == [("Second Moderator", "Dismissed flags")]
    its_history = read(browser, target_type="idea", target_id=history.b).rows
    assert [row["Action"] for row in its_history] == [
        "Dismissed a duplicate suggestion",
        "Undid a merge",
        "Merged an idea",
    ]
    refused = browser.get("/moderation/audit", query_string={"actor_id": "x"}).get_data(as_text=True)
    assert "Must be an id." in refused


def test_html_in_a_change_is_shown_as_text_escaped_once(history, login_as, moderator, mod_api):
    ok_json(mod_api.patch(f"/api/v1/ideas/{history.a}", json={"title": "Quiet <b>rooms</b> & more"}))
    page = login_as(moderator).get("/moderation/audit", query_string={"action": "edit_idea"}).get_data(as_text=True)
    assert "Quiet &lt;b&gt;rooms&lt;/b&gt; &amp; more" in page
    assert "&amp;lt;" not in page and "\\u003c" not in page
    (edit,) = read(login_as(moderator), action="edit_idea").rows
    assert "Title: Quiet rooms on every floor → Quiet <b>rooms</b> & more" in edit["Details"]


@pytest.mark.parametrize("package", ["accounts", "ideas", "moderation", "notifications", "review"])
def test_every_recorded_action_and_target_kind_has_a_name(package):
    recorded = re.findall(r'audit\.record\(\s*\w+,\s*"(\w+)",\s*"(\w+)"', _source(package))
    assert recorded, f"no audit.record calls found in {package}"
    assert {action for action, _ in recorded} <= ACTIONS.keys()
    assert {kind for _, kind in recorded} <= TARGET_KINDS.keys()


def _source(package: str) -> str:
    return "\n".join(path.read_text() for path in (ROOT / package).rglob("*.py"))
