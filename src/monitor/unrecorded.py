"""Runs that could not be recorded (a full disk), kept beside the archive for `status`.

When even the failed-run row cannot be written, the archive knows nothing of the run and
`status` would say `ok` until `overdue`. The note is a small file next to the database,
allocated ahead (4 KiB, rewritten in place), so it can still be written when the disk is
full: rewriting allocated blocks needs no free space.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from monitor.clock import now

SIZE = 4096


def path_for(db_path: Path) -> Path:
    return Path(str(db_path) + ".unrecorded")


def prepare(db_path: Path) -> None:
    """Allocate the note file while there is room (once per archive)."""
    path = path_for(db_path)
    with contextlib.suppress(OSError):
        if not path.exists() or path.stat().st_size < SIZE:
            with open(path, "ab") as fh:
                fh.write(b" " * max(SIZE - fh.tell(), 0))
                fh.flush()
                os.fsync(fh.fileno())


def read(db_path: Path) -> dict[str, dict[str, Any]]:
    """source -> {"at": timestamp, "error": text} for runs that left no row."""
    try:
        text = path_for(db_path).read_text(encoding="utf-8").strip()
        data = json.loads(text) if text else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(db_path: Path, data: dict[str, Any]) -> bool:
    raw = json.dumps(data, ensure_ascii=False).encode()
    while len(raw) > SIZE and data:
        for v in data.values():
            v["error"] = (v.get("error") or "")[:120]
        raw = json.dumps(data, ensure_ascii=False).encode()[:SIZE]
    try:
        with open(path_for(db_path), "r+b") as fh:  # in place: no new blocks needed
            fh.write(raw + b" " * (SIZE - len(raw)))
            fh.flush()
            os.fsync(fh.fileno())
        return True
    except OSError:
        return False


def note(db_path: Path, source: str, error: str) -> bool:
    """Remember that a run of `source` ended unrecorded; False if even that failed."""
    data = read(db_path)
    data[source] = {"at": now(), "error": error[:300]}
    return _write(db_path, data)


def clear(db_path: Path, source: str) -> None:
    """A run of `source` was recorded again: forget its note."""
    data = read(db_path)
    if source in data:
        del data[source]
        _write(db_path, data)
