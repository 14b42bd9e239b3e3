"""Rows out to a terminal (aligned table), or to pipes (JSON lines, CSV with a header)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

FORMATS = ("table", "json", "csv")


def write_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str = "table",
               out: TextIO | None = None) -> int:
    """Write rows in `fmt`; numbers are never rounded or reformatted in json/csv."""
    out = out or sys.stdout
    rows = [list(r) for r in rows]
    if fmt == "json":
        for r in rows:
            out.write(json.dumps(dict(zip(columns, r, strict=True)), ensure_ascii=False) + "\n")
    elif fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        w.writerows(["" if v is None else v for v in r] for r in rows)
    else:
        text = [[_cell(v) for v in r] for r in rows]
        widths = [max([len(c)] + [len(r[i]) for r in text]) for i, c in enumerate(columns)]
        numeric = [all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) and rows
                   for i in range(len(columns))]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(c.rjust(w) if numeric[i] else c.ljust(w)
                             for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

        out.write(line(list(columns)) + "\n")
        out.write("  ".join("-" * w for w in widths) + "\n")
        for r in text:
            out.write(line(r) + "\n")
        if not rows:
            out.write("(no rows)\n")
    return len(rows)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)
