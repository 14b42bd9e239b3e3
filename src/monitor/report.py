"""`monitor report`: the published site's front page as one self-contained HTML file.

A thin alias over `monitor publish` (same renderer, src/monitor/publish/site.py): the
index page without its links to the rest of the site, so the file opens from a mail
attachment or a USB stick. For the whole site (series pages, downloads, feed, embeddable
charts) use `monitor publish DIR`.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from monitor import archive


def build(conn: sqlite3.Connection, lang: str = "en") -> str:
    """The whole page as a string."""
    from monitor.publish import model, site

    return site.index(model.load(conn), lang, standalone=True)


def main(cfg: Any, args: argparse.Namespace) -> int:
    """`monitor report --out report.html [--lang en|es]`."""
    lang = args.lang or cfg.publish["lang"]
    conn = archive.connect(cfg.db_path, create=False)
    try:
        page = build(conn, lang)
        n = archive.figures.latest_count(conn)
    finally:
        conn.close()
    out = Path(args.out)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        print(f"monitor: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {out}: {n} latest figures, {len(page) // 1024} KiB, self-contained "
          "(the whole site: monitor publish DIR)")
    return 0
