"""Writing a site folder safely: build beside it, swap it in, or leave it alone.

The new site is written to a temporary folder next to DIR (same file system) and then
exchanged with DIR in one rename (Linux `renameat2(RENAME_EXCHANGE)`; elsewhere two
renames, where a reader may briefly find no folder, never a half-written one). When every
file would have the same bytes, nothing is written. A folder that has files but was not
written by `monitor publish` (no marker file) is never replaced.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from pathlib import Path

from monitor.lock import publish_lock

MARKER = ".monitor-site"
MARKER_TEXT = b"This folder is written by `monitor publish`; it is replaced on every run.\n"


class PublishError(Exception):
    """The site cannot be written where asked; the message says why."""


def _existing(out: Path) -> dict[str, bytes] | None:
    files: dict[str, bytes] = {}
    for p in out.rglob("*"):
        if p.is_file() or p.is_symlink():
            files[p.relative_to(out).as_posix()] = p.read_bytes() if p.is_file() else b""
    return files


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


def write_site(files: dict[str, bytes], out: Path) -> bool:
    """Make `out` hold exactly `files` (plus the marker); True if anything was written."""
    out = Path(os.path.abspath(out))
    if out.is_symlink():
        out = out.resolve()  # swap the folder it points to, not the link
    files = {**files, MARKER: MARKER_TEXT}
    if out.exists() and not out.is_dir():
        raise PublishError(f"{out} exists and is not a folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot create {out.parent}: {exc.strerror}") from None
    with publish_lock(out):  # one publisher per folder at a time
        for left in out.parent.glob(f".{out.name}.new-*"):  # from a publish that was killed
            shutil.rmtree(left, ignore_errors=True)
        for left in out.parent.glob(f".{out.name}.old-*"):
            shutil.rmtree(left, ignore_errors=True)
        old = _existing(out) if out.exists() else None
        if old and MARKER not in old:
            raise PublishError(f"{out} has files that `monitor publish` did not write; "
                               "give an empty or new folder (it is replaced on every run)")
        if old == files:
            return False
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o777 & ~umask)
            for rel, body in sorted(files.items()):
                path = tmp / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(body)
                if old is not None and old.get(rel) == body:
                    st = (out / rel).stat()  # unchanged file: keep its time (HTTP caches)
                    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
            _swap(tmp, out, empty=not old)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return True


def _swap(tmp: Path, out: Path, empty: bool) -> None:
    if not out.exists() or empty:
        os.replace(tmp, out)  # onto nothing or an empty folder: one rename
        return
    if _exchange(tmp, out):
        return  # tmp now holds the old site; the caller removes it
    aside = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.rename(out, aside)
    os.rename(tmp, out)
    shutil.rmtree(aside, ignore_errors=True)
