"""Where a process is in the change log, when ids commit out of order.

Change ids come from a sequence, so id 11 can commit before id 10: a reader that only remembered the
largest id it saw would never see 10. A cursor therefore remembers the largest id it applied (`top`)
and the ids below it it has not seen yet (`gaps`: still in flight, or rolled back and never coming).
Each catch-up reads the ids above `top` and those in `gaps`. Applying a change twice is harmless: it
means "re-read this idea's current state".

A gap is given up when the database shows that no transaction that could still fill it is running,
whatever the time it takes. Every change is logged after its transaction has written something else
(store.record_change), so the transaction that took a gap's id already had a transaction id when the
reader saw the gap. At the next catch-up the gap is tagged with the first transaction id not yet
assigned (`Bounds.unassigned`): the writer's id is below it. Once the oldest transaction still
running (`Bounds.running_from`, read before the log) is at or past the tag, the writer has committed
or rolled back before the read, so a gap the read did not find will never exist. Nothing depends on
how long a transaction stays open.
"""

from dataclasses import dataclass, field

MAX_GAPS = 10_000  # a reload keeps at most this many missing ids (the newest); older ones are taken as rolled back


@dataclass(frozen=True)
class Bounds:
    """The database's transactions at one moment: every transaction id below `running_from` has ended,
    and every id from `unassigned` on was not yet given out. SQLite has one writer at a time, so an
    id below a committed one is never in flight: both are 0 there."""

    running_from: int = 0
    unassigned: int = 0


@dataclass
class Cursor:
    """A process's position in the change log: every id up to `top` is applied except `gaps`, each
    mapped to the transaction id its writer had to be below (None until the next catch-up tags it)."""

    top: int = 0
    gaps: dict[int, int | None] = field(default_factory=dict)

    @property
    def floor(self) -> int:
        """Every id up to here is applied or will never exist."""
        return min(self.gaps, default=self.top + 1) - 1

    def tag_gaps(self, bounds: Bounds) -> None:
        """Tag the gaps found by the last read with a bound on their writers' transaction ids."""
        self.gaps = {gap: bounds.unassigned if tag is None else tag for gap, tag in self.gaps.items()}

    def take(self, changes: list[tuple[int, int]], bounds: Bounds) -> list[int]:
        """Record these (change id, idea id) rows, read as asked by `gaps` and `top` after `bounds` were
        read; returns the ideas to re-read."""
        found = {change_id for change_id, _ in changes}
        self.gaps = {
            gap: tag
            for gap, tag in self.gaps.items()
            if gap not in found and (tag is None or tag > bounds.running_from)
        }
        highest = max(found, default=self.top)
        if highest > self.top:
            self.gaps.update(dict.fromkeys(set(range(self.top + 1, highest)) - found))
            self.top = highest
        return list(dict.fromkeys(idea_id for _, idea_id in changes))

    def position(self) -> dict:
        """The cursor as plain data (kept in a snapshot)."""
        return {"top": self.top, "gaps": sorted(self.gaps.items())}

    @classmethod
    def at(cls, position: dict) -> "Cursor":
        """A cursor at a position made by position()."""
        gaps = {int(gap): None if tag is None else int(tag) for gap, tag in position["gaps"]}
        return cls(int(position["top"]), gaps)
