"""Command-line ergonomics a new user meets first (issue 12 points 4, 5, 7, 8, 14, 15;
issue 17 point 8: query limits): real subprocesses, real SQLite files, a real other user."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_monitor
from fixtures.known_archive import make_archive
from monitor import archive
from monitor.status import UNHEALTHY

DISABLED = ('[sources.prisoners_defenders]\nenabled = false\n'
            '[sources.ocdh]\nenabled = false\n')


def _health_check_line() -> str:
    """The README's cron health check, as written there."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [ln for ln in readme.splitlines() if "status -q" in ln and ln.startswith("*/")]
    assert len(lines) == 1, lines
    return lines[0]


def test_readme_health_check_line_works_as_written(tmp_path):
    line = _health_check_line()
    command = " ".join(line.split()[5:])  # drop the five cron fields
    cfg_in_readme = re.search(r"--config (\S+)", command).group(1)
    cfg = tmp_path / "config.toml"
    cfg.write_text('[database]\npath = "monitor.db"\n' + DISABLED)
    archive.connect(tmp_path / "monitor.db").close()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "monitor").write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m monitor"
                                    ' "$@"\n')
    (bindir / "monitor").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["PATH"] = f"{bindir}:{env['PATH']}"
    shell = command.replace(cfg_in_readme, shlex.quote(str(cfg)))
    r = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, env=env,
                       timeout=60)
    assert "unrecognized arguments" not in r.stderr, r.stderr
    assert r.stdout == "" and r.stderr == "", (r.stdout, r.stderr)  # healthy: silent
    # and it does tell when something is wrong: here, no archive at the configured path
    (tmp_path / "monitor.db").unlink()
    r = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, env=env,
                       timeout=60)
    assert "monitor unhealthy" in r.stdout and "no archive at" in r.stderr


def test_global_options_work_after_the_command(tmp_path):
    db = make_archive(tmp_path / "known.db")
    before = run_monitor("--db", str(db), "latest", "--format", "csv")
    after = run_monitor("latest", "--format", "csv", "--db", str(db))
    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\npath = "{db.name}"\n' + DISABLED)
    r = run_monitor("status", "-q", "--config", str(cfg), "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert "ocdh,disabled" in r.stdout
    # given before the command, a global option is not reset by the subcommand's parser
    r = run_monitor("--config", str(cfg), "-q", "status", "--format", "csv")
    assert r.returncode == 0 and "ocdh,disabled" in r.stdout, r.stderr
    r = run_monitor("status", "--log-format", "json", "-v", "--db", str(tmp_path / "none.db"))
    assert r.returncode == 1


@pytest.mark.parametrize("args", [
    ["status"], ["status", "-q"], ["reparse"], ["report", "--out", "r.html"],
    ["chart", "--source", "ocdh", "--metric", "repressive_actions", "--out", "c.svg"],
    ["latest"], ["history"], ["events"], ["query", "SELECT 1"],
])
def test_commands_on_a_missing_archive_say_so_and_create_nothing(tmp_path, args):
    missing = tmp_path / "typo" / "monitor.db"
    r = run_monitor("--db", str(missing), *args, cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert f"no archive at {missing}" in r.stderr
    assert not missing.parent.exists()
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "c.svg").exists()


# --- archives the reader cannot write ------------------------------------------------

def _as_nobody() -> list[str] | None:
    """A command prefix that runs as an unprivileged user (root ignores permissions)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return None
    prefix = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import monitor"],
                           capture_output=True, timeout=60)
    return prefix if probe.returncode == 0 else None


def _run_as(prefix: list[str], *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["HOME"] = str(cwd)
    env["MPLCONFIGDIR"] = str(cwd / "mpl")
    return subprocess.run([*prefix, sys.executable, "-m", "monitor", *args], capture_output=True,
                          text=True, timeout=120, env=env, cwd=cwd)


@pytest.fixture
def readonly_dir():
    """A folder owned by root (0755) with a world-readable archive in it: readable by
    `nobody`, not writable; plus a scratch folder `nobody` may write."""
    prefix = _as_nobody()
    if prefix is None:
        pytest.skip("cannot run a command as an unprivileged user here (no setpriv, or the "
                    "checkout is not readable by nobody)")
    base = Path(tempfile.mkdtemp(prefix="monitor-ux-ro."))
    try:
        base.chmod(0o755)
        ro = base / "var-lib-monitor"
        ro.mkdir()
        make_archive(ro / "monitor.db")
        assert not (ro / "monitor.db-wal").exists()
        (ro / "monitor.db").chmod(0o644)
        ro.chmod(0o755)
        scratch = base / "scratch"
        scratch.mkdir()
        scratch.chmod(0o777)
        yield prefix, ro, scratch
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_reading_commands_work_on_an_archive_they_cannot_write(readonly_dir):
    prefix, ro, scratch = readonly_dir
    db = ro / "monitor.db"
    before = sorted(p.name for p in ro.iterdir())
    digest = db.read_bytes()
    copy = scratch / "copy" / "monitor.db"  # what a writer sees, from a copy of it
    copy.parent.mkdir()
    shutil.copy(db, copy)
    for args in (["latest", "--format", "csv"], ["history", "--format", "json"],
                 ["events", "--format", "csv"], ["status", "--format", "csv"],
                 ["query", "SELECT COUNT(*) AS n FROM figures", "--format", "csv"]):
        mine = run_monitor("--db", str(copy), *args)
        theirs = _run_as(prefix, "--db", str(db), *args, cwd=scratch)
        assert "readonly" not in theirs.stderr and "read-only" not in theirs.stderr, (
            args, theirs.stderr)
        assert theirs.returncode == mine.returncode, (args, theirs.stderr)
        stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")  # status: next run is "now"
        assert stamp.sub("T", theirs.stdout) == stamp.sub("T", mine.stdout), args
        assert theirs.stdout, args
    r = _run_as(prefix, "--db", str(db), "report", "--out", str(scratch / "r.html"),
                cwd=scratch)
    assert r.returncode == 0, r.stderr
    # a query that writes is still refused as a write, and a SELECT is never blamed
    r = _run_as(prefix, "--db", str(db), "query", "DELETE FROM figures", cwd=scratch)
    assert r.returncode == 1 and "refused" in r.stderr
    assert sorted(p.name for p in ro.iterdir()) == before  # no -wal, -shm, lock files
    assert db.read_bytes() == digest


def test_crawl_into_an_unwritable_folder_is_one_line_and_exit_2(readonly_dir):
    prefix, ro, scratch = readonly_dir
    for target in (ro / "new.db", ro / "sub" / "monitor.db", ro / "monitor.db"):
        cfg = scratch / "c.toml"
        cfg.write_text(f'[database]\npath = "{target}"\n')
        r = _run_as(prefix, "--config", str(cfg), "crawl", "--no-notify", cwd=scratch)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and str(target) in lines[0], r.stderr
        assert "Traceback" not in r.stderr and "database.path" in lines[0]


# --- tables that fit a terminal ------------------------------------------------------

LONG_ERROR = ("start URL could not be fetched: https://www.prisonersdefenders.org/feed/: "
              + "twisted.internet.error.ConnectionRefusedError: Connection was refused by "
              "other side: 111: Connection refused. " * 4).strip()


@pytest.fixture
def failing_archive(tmp_path):
    db = make_archive(tmp_path / "known.db")
    conn = archive.connect(db)
    with archive.transaction(conn):
        archive.insert_run(conn, source="ocdh", started=archive.now(), ended=archive.now(),
                           outcome="failed", backfill=0, error=LONG_ERROR)
    conn.close()
    return db


def _on_a_terminal(args: list[str], columns: int) -> list[str]:
    """Run monitor with stdout on a pseudo-terminal `columns` wide; its output lines."""
    import pty

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["COLUMNS"] = str(columns)
    proc = subprocess.Popen([sys.executable, "-m", "monitor", *args], stdout=slave,
                            stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n").splitlines()


def test_status_table_fits_the_terminal_and_json_keeps_the_whole_error(failing_archive):
    table = _on_a_terminal(["--db", str(failing_archive), "status"], columns=150)
    text = "\n".join(table)
    assert table and max(len(x) for x in table) <= 150, text
    assert "…" in text and LONG_ERROR not in text
    assert "retrying" in text and "start URL" in text
    r = run_monitor("--db", str(failing_archive), "status", "--format", "json")
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert LONG_ERROR in [row["last_error"] for row in rows]
    r = run_monitor("--db", str(failing_archive), "status", "--format", "csv")
    assert LONG_ERROR in r.stdout


def test_tables_cut_long_cells_even_without_a_terminal(failing_archive, tmp_path):
    r = run_monitor("--db", str(failing_archive), "status")
    assert LONG_ERROR not in r.stdout and "…" in r.stdout
    cells = [c for ln in r.stdout.splitlines() for c in re.split(r"\s{2,}", ln)]
    assert max(len(c) for c in cells) <= 60
    r = run_monitor("--db", str(failing_archive), "query",
                    "SELECT evidence, url FROM figures", "--format", "table")
    assert max(len(c) for ln in r.stdout.splitlines() for c in re.split(r"\s{2,}", ln)) <= 60


# --- arguments -----------------------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["history", "--since", "2025-13"], "expected YYYY-MM"),
    (["history", "--since", "2025-00"], "expected YYYY-MM"),
    (["events", "--since", "2025-02-30"], "expected a date"),
    (["events", "--since", "2025-10-01T25:00"], "expected a date"),
    (["events", "--since", "yesterday"], "expected a date"),
])
def test_malformed_dates_are_refused(tmp_path, args, words):
    db = make_archive(tmp_path / "known.db")
    r = run_monitor("--db", str(db), *args)
    assert r.returncode == 2 and words in r.stderr, r.stderr


def test_good_dates_are_accepted(tmp_path):
    db = make_archive(tmp_path / "known.db")
    for args in (["history", "--since", "2025-08"], ["history", "--since", "2024"],
                 ["events", "--since", "2025-10-01"], ["events", "--since", "2025-10"],
                 ["events", "--since", "2025-10-01T06:00:00Z"]):
        r = run_monitor("--db", str(db), *args, "--format", "csv")
        assert r.returncode == 0, (args, r.stderr)


def test_unknown_metric_is_refused_with_the_known_ones(tmp_path):
    from monitor import sources

    db = make_archive(tmp_path / "known.db")
    r = run_monitor("--db", str(db), "history", "--source", "ocdh", "--metric", "arrests")
    assert r.returncode == 2, r.stderr
    assert "unknown metric 'arrests'" in r.stderr
    for m in sources.get("ocdh").metric_names:
        assert m in r.stderr
    r = run_monitor("--db", str(db), "history", "--metric", "political_prisoners")
    assert r.returncode == 2 and "political_prisoners_total" in r.stderr
    r = run_monitor("--db", str(db), "chart", "--source", "ocdh", "--metric", "nope",
                    "--out", str(tmp_path / "c.svg"))
    assert r.returncode == 2 and "repressive_actions" in r.stderr
    r = run_monitor("--db", str(db), "history", "--metric", "political_prisoners_total",
                    "--format", "csv")
    assert r.returncode == 0 and r.stdout.count("\n") > 1


def test_status_help_names_every_state_that_exits_1():
    r = run_monitor("status", "--help")
    text = " ".join(r.stdout.split())
    for state in UNHEALTHY:
        assert state in text, (state, text)
    assert "exit status 1" in text.lower()


# --- query limits (issue 17 point 8) -------------------------------------------------

FOREVER = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "


def test_query_timeout_stops_a_recursive_cte(tmp_path):
    db = make_archive(tmp_path / "known.db")
    t0 = time.monotonic()
    r = run_monitor("--db", str(db), "query", FOREVER + "SELECT COUNT(*) FROM c",
                    "--timeout", "1s", timeout=60)
    assert r.returncode == 1, r.stderr
    assert "still running after 1s" in r.stderr and "bad SQL" not in r.stderr
    assert time.monotonic() - t0 < 30


def test_query_row_cap_has_a_clear_message(tmp_path):
    db = make_archive(tmp_path / "known.db")
    r = run_monitor("--db", str(db), "query", FOREVER + "SELECT x FROM c", "--max-rows",
                    "5000", timeout=60)
    assert r.returncode == 1, r.stderr
    assert "more than 5,000 rows" in r.stderr and "LIMIT" in r.stderr
    assert r.stdout == ""
    r = run_monitor("--db", str(db), "query", FOREVER + "SELECT x FROM c LIMIT 5000",
                    "--max-rows", "5000", "--format", "csv", timeout=60)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 5001


def test_ctrl_c_stops_a_running_query(tmp_path):
    db = make_archive(tmp_path / "known.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--db", str(db), "query",
                             FOREVER + "SELECT COUNT(*) FROM c", "--timeout", "0s"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        time.sleep(2)  # let it start; a signal before the query starts ends it the same way
        assert proc.poll() is None, "the query ended on its own"
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err
