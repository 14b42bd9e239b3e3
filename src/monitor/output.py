"""Rows out to a terminal (aligned table), or to pipes (JSON lines, CSV with a header).

JSON and CSV carry values exactly as SQLite returned them (integers stay integers, a
float prints as Python's shortest round-tripping repr), so a pipe never sees a number
rounded or reformatted for display. Only the table format is for eyes: it cuts long
text (errors, evidence, URLs) to MAX_CELL characters with an ellipsis, and on a terminal
fits its width ($COLUMNS, else the terminal's size); json and csv always carry whole
values.
"""

from __future__ import annotations

import base64
import csv
import json
import shutil
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

FORMATS = ("table", "json", "csv")
MAX_CELL = 60     # longest text cell in a table; longer ones end in an ellipsis
MIN_CELL = 8      # a text column is never cut narrower than this to fit the terminal
ELLIPSIS = "…"


def write_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str = "table",
               out: TextIO | None = None) -> int:
    """Write rows in `fmt` and return how many; numbers are never rounded in json/csv."""
    out = out or sys.stdout
    rows = [list(r) for r in rows]
    if fmt == "json":
        keys = unique_names(columns)
        for r in rows:
            out.write(json.dumps(dict(zip(keys, (_plain(v) for v in r), strict=True)),
                                 ensure_ascii=False) + "\n")
    elif fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        w.writerows(["" if v is None else _plain(v) for v in r] for r in rows)
    elif fmt == "table":
        _table(columns, rows, out)
    else:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    return len(rows)


def unique_names(columns: Sequence[str]) -> list[str]:
    """Column names made unique (`a`, `a_2`) so a JSON object never drops a value."""
    seen: dict[str, int] = {}
    out = []
    for c in columns:
        n = seen.get(c, 0) + 1
        seen[c] = n
        out.append(c if n == 1 else f"{c}_{n}")
    return out


def _plain(v: Any) -> Any:
    """JSON/CSV-safe value: blobs as base64 text, everything else untouched."""
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "base64:" + base64.b64encode(bytes(v)).decode("ascii")
    if isinstance(v, float) and v != v:  # NaN cannot come from SQLite, but never emit it
        return None
    return v


def terminal_width(out: TextIO) -> int | None:
    """The width to fit when `out` is a terminal ($COLUMNS, else the terminal's size);
    None for a pipe or a file, which get whole lines (cells still cut at MAX_CELL)."""
    try:
        if out.isatty():
            return shutil.get_terminal_size().columns
    except (AttributeError, ValueError, OSError):
        pass
    return None


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(width - 1, 0)] + ELLIPSIS


def _table(columns: Sequence[str], rows: list[list[Any]], out: TextIO) -> None:
    numeric = [bool(rows) and all(_is_number(r[i]) or r[i] is None for r in rows)
               for i in range(len(columns))]
    text = [[_cell(v) if numeric[i] else _cut(_cell(v), MAX_CELL) for i, v in enumerate(r)]
            for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in text]) for i, c in enumerate(columns)]
    limit = terminal_width(out)
    if limit:
        # a number is never cut (only a long header over it); text down to MIN_CELL
        floors = [max([MIN_CELL] + [len(r[i]) for r in text]) if numeric[i] else MIN_CELL
                  for i in range(len(columns))]
        _fit(widths, floors, limit)

    def line(cells: Sequence[str]) -> str:
        return "  ".join(_cut(c, w).rjust(w) if numeric[i] else _cut(c, w).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out.write(line(list(columns)) + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r in text:
        out.write(line(r) + "\n")
    if not rows:
        out.write("(no rows)\n")


def _fit(widths: list[int], floors: list[int], limit: int) -> None:
    """Narrow the widest columns, each down to its floor, until the table fits `limit`."""
    while sum(widths) + 2 * (len(widths) - 1) > limit:
        candidates = [i for i, w in enumerate(widths) if w > floors[i]]
        if not candidates:
            return
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(v))} bytes>"
    # one row per line: a newline or tab inside a value would break the alignment
    return str(v).replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
