"""The README's "The archive" section names every table, view and column the migrations
create, read from a fresh archive with sqlite-utils' introspection: a user who queries
the archive from the README never meets an undocumented column or a documented one that
is gone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor import archive

README = Path(__file__).resolve().parents[1] / "README.md"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n### {title}\n")
    end = text.index("\n#", start + 1)
    return text[start:end]


def _names(text: str) -> set[str]:
    """Every name inside backticks (`a, b` gives a and b; `"check"` gives check)."""
    out: set[str] = set()
    for span in re.findall(r"`([^`]+)`", text):
        for part in span.split(","):
            out.add(part.strip().strip('"'))
    return out


def _tables() -> dict[str, str]:
    """table name -> its bullet in the README's Tables list."""
    bullets = re.split(r"\n- ", _section("Tables"))
    out = {}
    for b in bullets:
        m = re.match(r"\*\*`(\w+)`\*\*", b)
        if m:
            out[m.group(1)] = b
    return out


def _views() -> dict[str, str]:
    """view name -> its row in the README's Views table."""
    out = {}
    for line in _section("Views (start here)").splitlines():
        m = re.match(r"\| `(\w+)` \|", line)
        if m:
            out[m.group(1)] = line
    return out


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    conn = archive.connect(tmp_path_factory.mktemp("schema") / "m.db")
    yield archive.database(conn)
    conn.close()


def test_every_table_and_column_is_documented(db):
    documented = _tables()
    tables = set(db.table_names()) - {"sqlite_sequence", "sqlite_stat1"}
    assert tables == set(documented), "README Tables list vs the schema"
    for name in sorted(tables):
        missing = {c.name for c in db[name].columns} - _names(documented[name])
        assert not missing, f"{name}: columns not in the README: {sorted(missing)}"


def test_every_view_and_column_is_documented(db):
    documented = _views()
    assert set(db.view_names()) == set(documented), "README Views table vs the schema"
    for name in sorted(documented):
        missing = {c.name for c in db[name].columns} - _names(documented[name])
        assert not missing, f"{name}: columns not in the README: {sorted(missing)}"


def test_how_it_works_names_every_module():
    """README "How it works" names each module and package of src/monitor, so a reader
    finds the code it describes (and no module it names is gone)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n## How it works\n"):text.index("\n## Commands\n")]
    pkg = Path(archive.__file__).resolve().parents[1]
    modules = {p.stem for p in pkg.glob("*.py") if p.stem not in ("__init__", "__main__")}
    packages = {p.name for p in pkg.iterdir() if (p / "__init__.py").exists()}
    missing = {m for m in modules if f"{m}.py" not in section
               and f"monitor.{m}" not in section} | {
        p for p in packages if f"{p}/" not in section}
    assert not missing, f"not in README 'How it works': {sorted(missing)}"
    archive_modules = {p.name for p in (pkg / "archive").glob("*.py")}
    missing = {m for m in archive_modules if f"`{m}`" not in section}
    assert not missing, f"archive modules not in README 'How it works': {sorted(missing)}"
