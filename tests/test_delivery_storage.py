"""A full disk and a failing COMMIT (issue 14's defect, issue 17 point 12): the run is
recorded as failed, or the command says why it could not be and `status` still knows; the
archive stays sound; a later run with space stores everything.

The full disk is real: a 3 MiB tmpfs mounted in a private mount namespace (`unshare -rm`),
holding the archive, with a filler file leaving too little room for a run's commit (the
HTTP cache is moved off it, so the run's pages are fetched and the COMMIT is what fails).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from monitor import archive

HERE = Path(__file__).resolve().parent
PD = "prisoners_defenders"


def test_a_failing_commit_rolls_back_and_leaves_the_connection_usable(tmp_path):
    conn = archive.connect(tmp_path / "monitor.db")
    try:
        with pytest.raises(sqlite3.IntegrityError), archive.transaction(conn):
            conn.execute("PRAGMA defer_foreign_keys=ON")  # the check happens at COMMIT
            archive.insert_run(conn, source=PD, started=archive.now(), outcome="running")
            conn.execute("INSERT INTO notifications (created, run_id, category, target,"
                         " target_key, title, body) VALUES (?,?,?,?,?,?,?)",
                         (archive.now(), 999999, "data", "t", "", "x", "y"))
        assert not conn.in_transaction
        with archive.transaction(conn):  # the recovery path can start its own transaction
            archive.insert_run(conn, source=PD, started=archive.now(), outcome="failed")
        assert [tuple(r) for r in conn.execute("SELECT outcome FROM runs")] == [("failed",)]
        assert conn.execute("SELECT count(*) FROM notifications").fetchone()[0] == 0
    finally:
        conn.close()


def _can_mount_tmpfs() -> bool:
    if not shutil.which("unshare"):
        return False
    r = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m none /mnt"],
                       capture_output=True)
    return r.returncode == 0


def _words(rng: random.Random, n: int) -> str:
    vocab = ["informe", "presos", "políticos", "cárcel", "familia", "régimen", "mes",
             "Cuba", "detención", "juicio", "condena", "libertad", "salud", "madre"]
    return " ".join(rng.choice(vocab) + str(rng.randrange(10**6)) for _ in range(n))


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs `unshare -rm` to mount a tmpfs")
def test_a_full_disk_at_commit_is_recorded_or_said_and_a_later_run_stores_all(
        tmp_path, serve):
    from conftest import write_config
    from fixtures.pd_posts import report_post
    from monitor.wpsite import Site

    site = Site("Prisoners Defenders", style="dated")
    site.add(report_post("2025-01", {"political_prisoners_total": 1100}))
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={PD: srv}, notify_urls=[])
    rng = random.Random(7)
    months = [f"2025-{m:02d}" for m in range(2, 8)]
    for i, month in enumerate(months):
        post = report_post(month, {"political_prisoners_total": 1101 + i})
        post.content += "".join(f"<p>{_words(rng, 400)}</p>" for _ in range(6))
        site.add(post)
    result = tmp_path / "result.json"
    mnt = tmp_path / "disk"
    mnt.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    # the first run (one small post) needs space; the helper adds the big posts after it
    site.posts, big = site.posts[:1], site.posts[1:]
    site_state = tmp_path / "release"
    proc = subprocess.Popen(
        ["unshare", "-rm", sys.executable, __file__, str(mnt), str(cfg), str(result),
         str(site_state)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # the helper asks for the big posts once the first run is stored
    deadline = dt.datetime.now() + dt.timedelta(seconds=120)
    while not site_state.exists() and proc.poll() is None and dt.datetime.now() < deadline:
        subprocess.run(["sleep", "0.2"])
    site.posts.extend(big)
    (tmp_path / "release.ok").write_text("go")
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, out + err
    got = json.loads(result.read_text())

    full = got["full"]
    assert full["rc"] == 1
    assert "Traceback" not in full["stderr"]
    lines = [ln for ln in full["stderr"].splitlines() if "storing the run failed" in ln]
    assert len(lines) == 1 and ("full" in lines[0] or "No space" in lines[0]), full["stderr"]
    recorded = got["runs_after_full"]
    if recorded[-1] != "failed":  # not even the failed run fitted: the command said so
        assert "could not be recorded either" in full["stderr"]
        assert got["status_after_full"]["state"] == "unrecorded"
        assert got["status_rc_after_full"] == 1
    else:
        assert got["status_after_full"]["last_outcome"] == "failed"
        assert "storage failed" in got["status_after_full"]["last_error"]
    assert got["integrity_after_full"] == "ok"
    assert got["full_verbose"]["rc"] == 1 and "Traceback" in got["full_verbose"]["stderr"]
    assert got["figures_after_full"] == [["2025-01", 1100]]

    later = got["later"]
    assert later["rc"] == 0, later["stderr"]
    assert got["integrity_after_later"] == "ok"
    assert got["figures_after_later"] == [["2025-01", 1100]] + [
        [m, 1101 + i] for i, m in enumerate(months)]
    assert got["status_after_later"]["state"] == "ok"


def _helper(mnt: str, cfg: str, result: str, release: str) -> int:
    """Runs inside the private mount namespace: mount, fill, crawl, free, crawl."""
    from conftest import run_monitor

    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "none", mnt], check=True)
    db = Path(mnt) / "monitor.db"
    out: dict = {}

    def crawl(*opts: str) -> dict:
        r = run_monitor(*opts, "--db", str(db), "crawl", "--no-notify", config=Path(cfg))
        return {"rc": r.returncode, "stderr": r.stderr}

    def look(tag: str) -> None:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            out[f"integrity_{tag}"] = conn.execute("PRAGMA integrity_check").fetchone()[0]
            out[f"figures_{tag}"] = conn.execute(
                "SELECT period, value FROM figures WHERE metric='political_prisoners_total'"
                " ORDER BY period").fetchall()
            out[f"runs_{tag}"] = [r[0] for r in conn.execute("SELECT outcome FROM runs"
                                                             " ORDER BY id")]
        finally:
            conn.close()
        r = run_monitor("--db", str(db), "status", "--format", "json", config=Path(cfg))
        out[f"status_rc_{tag}"] = r.returncode
        out[f"status_{tag}"] = json.loads(r.stdout.splitlines()[0]) if r.stdout else r.stderr

    out["first"] = crawl()
    Path(release).write_text("first run stored")
    while not Path(release + ".ok").exists():
        subprocess.run(["sleep", "0.1"])
    # the crawl's HTTP cache moves off the small disk: only the archive's COMMIT lacks room
    cache = Path(mnt) / "httpcache"
    shutil.move(str(cache), str(Path(result).parent / "httpcache"))
    cache.symlink_to(Path(result).parent / "httpcache")
    st = os.statvfs(mnt)
    filler = Path(mnt) / "filler"
    with open(filler, "wb") as fh:
        fh.write(b"\0" * max(st.f_bavail * st.f_frsize - 64 * 1024, 0))
    out["full"] = crawl()
    look("after_full")
    out["full_verbose"] = crawl("-v")     # the same failure, with its traceback
    filler.unlink()
    out["later"] = crawl()
    look("after_later")
    Path(result).write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(_helper(*sys.argv[1:5]))
