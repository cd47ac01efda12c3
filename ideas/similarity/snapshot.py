"""The engine's index in one file that every process maps read-only, so a new process answers at once.

A snapshot holds the lexical index (vocabulary and main segment), the semantic matrix, the ids, and
the position in the change log they reflect (epoch and cursor). The worker writes it (a job after a
rebuild and every few minutes, and `flask similarity snapshot`) into the instance folder, to a
temporary file renamed into place, so a reader sees the old file or the new one, never half of one.
A new process maps it (copy-on-write: the pages stay shared with every other process that maps it
until one is written, which only the rows of changed ideas are) and applies only the changes after
its position. A missing, damaged or stale snapshot (another epoch, a pruned log, another model)
is not used: the engine loads from the database as before, and says why once in the log.

Layout: MAGIC, the header's length (8 bytes, little-endian), the header (JSON: the position and each
array's dtype, shape and offset), then the arrays, each aligned to ALIGN bytes, then MAGIC again.
"""

import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
from flask import current_app

from ideas.similarity.embedder import DIMENSIONS, MODEL_ID

log = logging.getLogger(__name__)

MAGIC = b"IDEAPOOL-SIMILARITY-1\n"
ALIGN = 64
FORMAT = {"model": MODEL_ID, "dimensions": DIMENSIONS, "format": 2}  # 2: the semantic rows sorted by cluster
_said: set[str] = set()


class SnapshotUnusable(Exception):
    """The snapshot is missing, damaged or of another format; the reason is the message."""


def path_for(database_key: str) -> Path:
    """The snapshot file of a database (one per database URL, in SIMILARITY_SNAPSHOT_DIR or the instance folder)."""
    import hashlib

    folder = current_app.config.get("SIMILARITY_SNAPSHOT_DIR") or Path(current_app.instance_path) / "similarity"
    return Path(folder) / f"index-{hashlib.blake2b(database_key.encode(), digest_size=8).hexdigest()}.snapshot"


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN


def _layout(arrays: dict[str, np.ndarray], position: dict) -> tuple[bytes, list[tuple[int, np.ndarray]]]:
    """The header and (offset, array) of each array, offsets counted from the start of the file."""
    reserved = 0
    while True:  # the header's length moves the offsets, which can lengthen the header: settles in a pass or two
        offset = _aligned(len(MAGIC) + 8 + reserved)
        entries, placed = {}, []
        for name, array in arrays.items():
            array = np.ascontiguousarray(array)
            entries[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
            placed.append((offset, array))
            offset = _aligned(offset + array.nbytes)
        header = json.dumps({**FORMAT, "position": position, "arrays": entries, "end": offset}).encode()
        if len(header) <= reserved:
            return header.ljust(reserved), placed
        reserved = _aligned(len(header))


def write(path: Path, arrays: dict[str, np.ndarray], position: dict) -> int:
    """Write the arrays and their position atomically (temporary file, then rename); returns the file's size."""
    header, placed = _layout(arrays, position)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(MAGIC + len(header).to_bytes(8, "little") + header)
            for offset, array in placed:
                out.seek(offset)
                out.write(array.tobytes())
            out.seek(json.loads(header)["end"])
            out.write(MAGIC)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path.stat().st_size


def read(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """(position, arrays mapped copy-on-write) of a snapshot; SnapshotUnusable when it cannot be used."""
    try:
        with path.open("rb") as handle:
            start = handle.read(len(MAGIC) + 8)
            header = json.loads(handle.read(int.from_bytes(start[len(MAGIC) :], "little")))
            handle.seek(header["end"])
            ending = handle.read()
    except FileNotFoundError as error:
        raise SnapshotUnusable("there is no snapshot yet") from error
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SnapshotUnusable(f"the snapshot is damaged ({error})") from error
    if not start.startswith(MAGIC) or ending != MAGIC:
        raise SnapshotUnusable("the snapshot is damaged (incomplete or not a snapshot)")
    if any(header.get(key) != value for key, value in FORMAT.items()):
        raise SnapshotUnusable("the snapshot is of another model or format")
    return header["position"], {name: _mapped(path, entry) for name, entry in header["arrays"].items()}


def _mapped(path: Path, entry: dict) -> np.ndarray:
    shape = tuple(entry["shape"])
    if 0 in shape:
        return np.zeros(shape, np.dtype(entry["dtype"]))
    return np.memmap(path, np.dtype(entry["dtype"]), "c", entry["offset"], shape)


def say_once(reason: str) -> None:
    """Log once per process why a snapshot was not used."""
    if reason not in _said:
        _said.add(reason)
        log.warning("Similarity snapshot not used, loading from the database: %s", reason)
