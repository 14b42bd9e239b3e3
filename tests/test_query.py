"""`monitor query` is read-only: writes, ATTACH/DETACH and file creation are refused."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from conftest import run_monitor
from fixtures.known_archive import make_archive
from monitor.cli import main


@pytest.fixture
def db(tmp_path):
    return make_archive(tmp_path / "known.db")


def snapshot(db) -> tuple:
    """Everything that could change: the file bytes (db and WAL) and the logical content."""
    files = tuple(hashlib.sha256(p.read_bytes()).hexdigest()
                  for p in sorted(db.parent.glob(db.name + "*"))
                  # reading a WAL archive may leave an empty -wal and a -shm index behind
                  if not p.name.endswith("-shm") and p.stat().st_size)
    conn = sqlite3.connect(db)
    try:
        dump = "\n".join(conn.iterdump())
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()
    return files, dump, version


def query(capsys, db, sql: str, fmt: str = "table") -> tuple[int, str, str]:
    code = main(["--db", str(db), "query", sql, "--format", fmt])
    out, err = capsys.readouterr()
    return code, out, err


WRITES = [
    "INSERT INTO figures (source, metric, period, value, first_seen, last_changed)"
    " VALUES ('ocdh', 'x', '2025-01', 1, 'a', 'b')",
    "UPDATE figures SET value = value + 1",
    "DELETE FROM events",
    "REPLACE INTO figures SELECT * FROM figures",
    "DROP TABLE figures",
    "DROP VIEW latest",
    "CREATE TABLE t (x)",
    "CREATE TEMP TABLE t (x)",
    "CREATE VIEW v AS SELECT 1",
    "CREATE INDEX i ON figures(value)",
    "ALTER TABLE figures ADD COLUMN y",
    "PRAGMA user_version = 99",
    "PRAGMA query_only = OFF",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA writable_schema = ON",
    "UPDATE sqlite_master SET sql = 'x'",
    "VACUUM",
    "REINDEX",
    "ANALYZE",
    "PRAGMA wal_checkpoint(TRUNCATE)",
    "BEGIN IMMEDIATE",
    "SAVEPOINT s",
]


@pytest.mark.parametrize("sql", WRITES)
def test_writes_are_refused_with_exit_1_and_change_nothing(capsys, db, sql):
    before = snapshot(db)
    code, out, err = query(capsys, db, sql)
    assert code == 1, err
    assert "refused" in err and "read-only" in err
    assert out == ""
    assert snapshot(db) == before


@pytest.mark.parametrize("sql", [
    "ATTACH DATABASE '{dir}/other.db' AS other",
    "ATTACH '{dir}/other.db' AS other",
    "DETACH DATABASE main",
    "VACUUM INTO '{dir}/copy.db'",
    "VACUUM main INTO '{dir}/copy.db'",
])
def test_attach_detach_and_file_creation_are_refused(capsys, db, tmp_path, sql):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = snapshot(db)
    code, _, err = query(capsys, db, sql.format(dir=out_dir))
    assert code == 1, err
    assert "refused" in err
    assert list(out_dir.iterdir()) == []  # no file was created, not even an empty one
    assert snapshot(db) == before


@pytest.mark.parametrize(("sql", "message"), [
    ("SELEC * FROM figures", 'near "SELEC": syntax error'),
    ("SELECT * FROM no_such_table", "no such table: no_such_table"),
    ("SELECT nope FROM figures", "no such column: nope"),
    ("SELECT 1; SELECT 2", "one statement at a time"),
    ("", "empty or incomplete statement"),
    (" ; ", "empty or incomplete statement"),
    ("SELECT 'unterminated", "empty or incomplete statement"),
])
def test_bad_sql_is_exit_2_with_sqlites_message(capsys, db, sql, message):
    code, out, err = query(capsys, db, sql)
    assert code == 2
    assert message in err
    assert out == ""


def test_reads_work_including_views_ctes_and_introspection(capsys, db):
    code, out, _ = query(capsys, db, "SELECT period, political_prisoners_total FROM"
                                     " prisoners_defenders_monthly", "csv")
    assert code == 0
    assert out == ("period,political_prisoners_total\n2025-07,1180\n2025-08,1185\n"
                   "2025-09,1187\n")
    code, out, _ = query(capsys, db, "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1"
                                     " FROM c WHERE n < 3) SELECT n FROM c", "json")
    assert code == 0 and out == '{"n": 1}\n{"n": 2}\n{"n": 3}\n'
    code, out, _ = query(capsys, db, "SELECT 1 AS one; -- trailing comment", "csv")
    assert code == 0 and out == "one\n1\n"
    code, out, _ = query(capsys, db, "PRAGMA table_info(figures)", "json")
    assert code == 0 and json.loads(out.splitlines()[0])["name"] == "source"
    code, out, _ = query(capsys, db, "SELECT name FROM pragma_table_info('revisions')"
                                     " ORDER BY cid LIMIT 2", "csv")
    assert code == 0 and out == "name\nevent_id\ncreated\n"
    code, out, _ = query(capsys, db, "SELECT * FROM revisions", "json")
    assert json.loads(out)["change"] == 2


def test_query_table_output_exact(capsys, db):
    code, out, _ = query(capsys, db, "SELECT source, period, value FROM figures WHERE"
                                     " metric = 'political_prisoners_total' ORDER BY period")
    assert code == 0
    assert out == ("source               period   value\n"
                   "-------------------  -------  -----\n"
                   "prisoners_defenders  2025-07   1180\n"
                   "prisoners_defenders  2025-08   1185\n"
                   "prisoners_defenders  2025-09   1187\n")


def test_exit_codes_from_the_command_line(db):
    before = snapshot(db)
    r = run_monitor("--db", str(db), "query", "DELETE FROM figures")
    assert r.returncode == 1 and "read-only" in r.stderr
    r = run_monitor("--db", str(db), "query", "SELEC 1")
    assert r.returncode == 2 and "syntax error" in r.stderr
    r = run_monitor("--db", str(db), "query", "SELECT COUNT(*) AS n FROM figures",
                    "--format", "csv")
    assert r.returncode == 0 and r.stdout == "n\n8\n"
    assert snapshot(db) == before


def test_query_does_not_migrate_a_foreign_sqlite_file(capsys, tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    code, out, _ = query(capsys, other, "SELECT name FROM sqlite_master", "csv")
    assert code == 0 and out == "name\nt\n"
