"""One module owns the SQL: statements run only in the archive package (and in query.py,
which runs the user's own SQL read-only). Another module that needs the archive calls
the archive's API (`archive.events.record`, `archive.figures.series`, ...)."""

from __future__ import annotations

import re
from pathlib import Path

from monitor import archive

PKG = Path(archive.__file__).resolve().parents[1]
ALLOWED = {PKG / "query.py"}
SQL_CALL = re.compile(r"\.(execute|executemany|executescript)\(")


def test_sql_runs_only_in_the_archive_layer():
    offenders = []
    for path in sorted(PKG.rglob("*.py")):
        if path.is_relative_to(PKG / "archive") or path in ALLOWED:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SQL_CALL.search(line):
                offenders.append(f"{path.relative_to(PKG)}:{n}: {line.strip()}")
    assert not offenders, "SQL outside monitor.archive:\n" + "\n".join(offenders)
