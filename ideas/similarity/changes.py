"""Where a process is in the change log, when ids commit out of order.

Change ids come from a sequence, so id 11 can commit before id 10: a reader that only remembered the
largest id it saw would never see 10. A cursor therefore remembers the largest id it applied (`top`),
the ids below it it has not seen yet (`gaps`: still in flight, or rolled back and never coming), and a
`floor` under which no id can still commit. Each catch-up reads the ids above `top` and those in
`gaps`. Applying a change twice is harmless: it means "re-read this idea's current state".

The floor rises with time: an id below `top` was taken before `top` committed, so once a writing
transaction has had SETTLE_SECONDS to finish after `top` was seen, every id up to it has committed or
never will. Writes that hold their transaction open longer than that may be missed by a process
until its next full load (a web request is cut at 30 s, and jobs commit in small units).
"""

import time
from collections import deque
from dataclasses import dataclass, field

SETTLE_SECONDS = 120.0


@dataclass
class Cursor:
    """A process's position in the change log: every id up to `floor` is applied or will never exist;
    above it, every id up to `top` except `gaps` is applied."""

    floor: int = 0
    top: int = 0
    gaps: set[int] = field(default_factory=set)
    seen: deque = field(default_factory=deque)  # (monotonic time, top then), oldest first

    def take(self, changes: list[tuple[int, int]], now: float | None = None) -> list[int]:
        """Record these (change id, idea id) rows, read as asked by `gaps` and `top`; returns the ideas to re-read."""
        now = time.monotonic() if now is None else now
        found = {change_id for change_id, _ in changes}
        highest = max(found, default=self.top)
        if highest > self.top:
            self.gaps |= set(range(self.top + 1, highest)) - found
            self.top = highest
        self.gaps -= found
        self.seen.append((now, self.top))
        self._settle(now)
        return list(dict.fromkeys(idea_id for _, idea_id in changes))

    def _settle(self, now: float) -> None:
        while self.seen and self.seen[0][0] <= now - SETTLE_SECONDS:
            self.floor = max(self.floor, self.seen.popleft()[1])
        self.gaps = {gap for gap in self.gaps if gap > self.floor}

    def position(self) -> dict:
        """The cursor as plain data (kept in a snapshot)."""
        return {"floor": self.floor, "top": self.top, "gaps": sorted(self.gaps)}

    @classmethod
    def at(cls, position: dict) -> "Cursor":
        """A cursor at a position made by position()."""
        return cls(int(position["floor"]), int(position["top"]), {int(gap) for gap in position["gaps"]})
