"""The organisation's people as a CSV file, for organisations without SCIM (`flask --app wsgi users import FILE`).

Columns (a header line names them, in any order): `email` and `name` (required), `department`, `role` and
`active` (optional; an empty cell leaves that field of an existing account as it is). read() checks every
line and says what is wrong with each; services.import_people applies the rows. Importing the same file
twice changes nothing the second time.
"""

import csv
from dataclasses import dataclass, field
from typing import TextIO

from accounts.models import ROLES

REQUIRED = ("email", "name")
COLUMNS = (*REQUIRED, "department", "role", "active")
YES, NO = {"1", "yes", "true", "y"}, {"0", "no", "false", "n"}
VERBS = ("created", "updated", "deactivated")


@dataclass(frozen=True)
class Person:
    """One line of the file, checked."""

    email: str
    name: str
    department: str | None
    role: str | None
    active: bool | None


@dataclass
class Report:
    """What an import did (or, in a dry run, would do)."""

    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)  # e-mail -> the fields that changed
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, {len(self.deactivated)} deactivated, "
            f"{self.unchanged} unchanged"
        )

    def details(self, dry_run: bool = False) -> list[str]:
        """A line per account changed, in the past tense, or the conditional for a dry run."""
        create, update, deactivate = ("would create", "would update", "would deactivate") if dry_run else VERBS
        return [
            *(f"{create} {email}" for email in self.created),
            *(f"{update} {email}: {', '.join(fields)}" for email, fields in self.updated.items()),
            *(f"{deactivate} {email}" for email in self.deactivated),
        ]


def read(stream: TextIO) -> tuple[list[Person], list[str]]:
    """The people of a CSV file and the problems found, one message per problem with its line number."""
    reader = csv.DictReader(stream)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    problems = _header_problems(header)
    if problems:
        return [], problems
    reader.fieldnames = header
    people, seen = [], {}
    for row in reader:
        person, errors = _person(row)
        if person is not None and person.email in seen:
            errors.append(f"{person.email} is on line {seen[person.email]} already")
        problems += [f"line {reader.line_num}: {error}" for error in errors]
        if person is not None and not errors:
            seen[person.email] = reader.line_num
            people.append(person)
    return people, problems


def _header_problems(header: list[str]) -> list[str]:
    problems = [f"the header has no column `{name}`" for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        problems.append(f"unknown columns {', '.join(unknown)}: the columns are {', '.join(COLUMNS)}")
    return problems


def _person(row: dict) -> tuple[Person | None, list[str]]:
    cells = {name: (row.get(name) or "").strip() for name in COLUMNS}
    errors = []
    email = cells["email"].lower()
    local, at, domain = email.partition("@")
    if not (local and at and domain) or "@" in domain or " " in email or len(email) > 254:
        errors.append(f"the e-mail address {cells['email']!r} is not valid")
    if not cells["name"]:
        errors.append("the name is empty")
    if cells["role"] and cells["role"] not in ROLES:
        errors.append(f"the role {cells['role']!r} is not one of {', '.join(ROLES)}")
    active = _yes_or_no(cells["active"])
    if cells["active"] and active is None:
        errors.append(f"active is {cells['active']!r}: write yes or no")
    if errors:
        return None, errors
    person = Person(email, cells["name"], cells["department"] or None, cells["role"] or None, active)
    return person, []


def _yes_or_no(text: str) -> bool | None:
    word = text.lower()
    return True if word in YES else False if word in NO else None
