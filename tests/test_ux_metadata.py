"""Datasette metadata (issue 12 point 19): the notifications table (recipient addresses)
hidden, views first, and every source link pointing to the organisation of its rows."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import yaml

from conftest import ROOT
from monitor import sources


def _meta() -> dict:
    return yaml.safe_load((ROOT / "db" / "metadata.yml").read_text(encoding="utf-8"))


def _views() -> list[str]:
    names = []
    for f in sorted((ROOT / "db" / "migrations").glob("*.sql")):
        names += re.findall(r"CREATE VIEW (?:IF NOT EXISTS )?(\w+)", f.read_text())
    return list(dict.fromkeys(names))


def test_notifications_are_hidden_and_the_readme_says_why():
    tables = _meta()["databases"]["monitor"]["tables"]
    assert tables["notifications"].get("hidden") is True
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Browsing and sharing with Datasette"):]
    assert "notifications" in section and "recipient" in section


def test_views_come_first():
    tables = list(_meta()["databases"]["monitor"]["tables"])
    views = _views()
    assert set(tables[:len(views)]) == set(views), tables


def test_each_source_link_points_to_its_own_organisation():
    meta = _meta()
    assert "source_url" not in meta  # it would be inherited by tables of both sources
    assert "source_url" not in meta["databases"]["monitor"]
    for name, table in meta["databases"]["monitor"]["tables"].items():
        owner = next((s for s in sources.names() if name.startswith(s + "_")), None)
        url = table.get("source_url")
        if owner is None:
            assert url is None, (name, url)  # rows of every source: no single link
            continue
        host = urlsplit(url).hostname or ""
        assert any(host == h or host.endswith("." + h) for h in sources.get(owner).hosts), (
            name, url)
