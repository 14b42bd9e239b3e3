"""The one lock implementation, held by a real second process: refuse at once, wait a while,
wait for ever, and recover after the holder is killed; and its users (alert delivery, the
site writer) behave as before on top of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor import notify
from monitor.lock import FileLock, LockHeld, delivery_lock, holder, publish_lock, source_lock
from monitor.publish.writer import MARKER, write_site

HOLD = """
import sys
from pathlib import Path
from monitor.lock import FileLock
lock = FileLock(Path(sys.argv[1]), "test").acquire()
print("held", flush=True)
sys.stdin.read()   # hold until the test closes our stdin
"""


class Holder:
    """A separate process holding the lock on `path` until `release()` (or a kill)."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "held"

    def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)


@pytest.fixture()
def held(tmp_path: Path) -> Iterator[tuple[Path, Holder]]:
    path = tmp_path / "archive.sqlite.notify.lock"
    h = Holder(path)
    try:
        yield path, h
    finally:
        if h.proc.poll() is None:
            h.kill()


def _in_thread(fn) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # handed to the test
            out["error"] = exc
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def test_refuses_at_once_naming_the_holder(held: tuple[Path, Holder]) -> None:
    path, h = held
    t0 = time.monotonic()
    with pytest.raises(LockHeld) as err:
        FileLock(path, "the thing").acquire()
    assert time.monotonic() - t0 < 5
    assert f"pid {h.proc.pid}" in str(err.value) and str(path) in str(err.value)
    assert holder(FileLock(path, "the thing")) == h.proc.pid


def test_a_limited_wait_gives_up_after_it(held: tuple[Path, Holder]) -> None:
    path, _h = held
    t0 = time.monotonic()
    with pytest.raises(LockHeld):
        FileLock(path, "the thing", wait=0.6).acquire()
    assert time.monotonic() - t0 >= 0.6


def test_a_limited_wait_gets_the_lock_once_the_holder_lets_go(
        held: tuple[Path, Holder]) -> None:
    path, h = held
    t, out = _in_thread(lambda: FileLock(path, "the thing", wait=120).acquire())
    t.join(1.0)
    assert t.is_alive(), "took a lock another process holds"
    h.release()
    t.join(120)
    assert "error" not in out and not t.is_alive()
    lock = out["value"]
    assert path.read_text() == str(os.getpid())
    lock.release()


def test_an_unlimited_wait_blocks_until_the_holder_exits(held: tuple[Path, Holder]) -> None:
    path, h = held
    t, out = _in_thread(lambda: FileLock(path, "the thing", wait=None).acquire())
    t.join(1.5)
    assert t.is_alive(), "took a lock another process holds"
    h.release()
    t.join(120)
    assert not t.is_alive() and "error" not in out
    out["value"].release()


def test_a_killed_holder_leaves_no_stale_lock(held: tuple[Path, Holder]) -> None:
    path, h = held
    h.kill()
    with FileLock(path, "the thing") as lock:
        assert holder(lock) is not None


def test_the_lock_files_sit_next_to_what_they_guard(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite"
    assert source_lock(db, "ocdh").path == tmp_path / "a.sqlite.crawl-ocdh.lock"
    assert delivery_lock(db, 1).path == tmp_path / "a.sqlite.notify.lock"
    assert publish_lock(tmp_path / "site").path == tmp_path / ".site.lock"


def test_alert_delivery_gives_way_to_another_deliverer(held: tuple[Path, Holder]) -> None:
    path, h = held
    db = path.with_name("archive.sqlite")
    with notify.delivery_lock(db, wait=0.3) as got:
        assert got is False
    h.release()
    with notify.delivery_lock(db, wait=0.3) as got:
        assert got is True
        with notify.delivery_lock(db, wait=0) as again:  # held by us now: others wait
            assert again is False


def test_a_publish_waits_for_the_one_in_progress(tmp_path: Path) -> None:
    out = tmp_path / "site"
    h = Holder(tmp_path / ".site.lock")
    try:
        t, res = _in_thread(lambda: write_site({"index.html": b"<p>hi</p>"}, out))
        t.join(1.5)
        assert t.is_alive() and not out.exists(), "wrote while another publisher held it"
        h.release()
        t.join(120)
        assert res.get("value") is True
        assert sorted(p.name for p in out.iterdir()) == [MARKER, "index.html"]
    finally:
        if h.proc.poll() is None:
            h.kill()
