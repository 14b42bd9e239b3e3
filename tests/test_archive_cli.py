"""The reading commands on a known archive: exact output in every format, and round trips."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from conftest import run_monitor
from fixtures.known_archive import make_archive
from monitor.cli import main


@pytest.fixture
def db(tmp_path):
    return make_archive(tmp_path / "known.db")


def run(capsys, db, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), *args])
    out, err = capsys.readouterr()
    return code, out, err


LATEST_TABLE = """\
source               metric                     period   value  qualifier  previous_period  previous_value  change  published   url                                        check
-------------------  -------------------------  -------  -----  ---------  ---------------  --------------  ------  ----------  -----------------------------------------  -----
ocdh                 arbitrary_detentions       2025-09     62  exact                                               2025-10-03  http://127.0.0.1:9/ocdh-septiembre-2025/
ocdh                 repressive_actions         2025-09    438  at_least                                            2025-10-03  http://127.0.0.1:9/ocdh-septiembre-2025/
prisoners_defenders  new_political_prisoners    2025-09     11  exact      2025-08                      13      -2  2025-10-10  http://127.0.0.1:9/2025/10/10/pd-2025-09/
prisoners_defenders  political_prisoners_total  2025-09   1187  exact      2025-08                    1185       2  2025-10-10  http://127.0.0.1:9/2025/10/10/pd-2025-09/
"""  # noqa: E501


def test_latest_table_is_aligned_and_exact(capsys, db):
    code, out, _ = run(capsys, db, "latest")
    assert code == 0
    assert out == LATEST_TABLE


def test_latest_csv_exact(capsys, db):
    code, out, _ = run(capsys, db, "latest", "--source", "prisoners_defenders", "--format", "csv")
    assert code == 0
    assert out == (
        "source,metric,period,value,qualifier,previous_period,previous_value,change,"
        "published,url,check\n"
        "prisoners_defenders,new_political_prisoners,2025-09,11,exact,2025-08,13,-2,"
        "2025-10-10,http://127.0.0.1:9/2025/10/10/pd-2025-09/,\n"
        "prisoners_defenders,political_prisoners_total,2025-09,1187,exact,2025-08,1185,2,"
        "2025-10-10,http://127.0.0.1:9/2025/10/10/pd-2025-09/,\n")


def test_history_filters_and_table(capsys, db):
    code, out, _ = run(capsys, db, "history", "--source", "prisoners_defenders",
                       "--since", "2025-08")
    assert code == 0
    assert out == """\
source               metric                     period   value  qualifier  published   url
-------------------  -------------------------  -------  -----  ---------  ----------  -----------------------------------------
prisoners_defenders  new_political_prisoners    2025-08     13  exact      2025-09-12  http://127.0.0.1:9/2025/09/10/pd-2025-08/
prisoners_defenders  new_political_prisoners    2025-09     11  exact      2025-10-10  http://127.0.0.1:9/2025/10/10/pd-2025-09/
prisoners_defenders  political_prisoners_total  2025-08   1185  exact      2025-09-12  http://127.0.0.1:9/2025/09/10/pd-2025-08/
prisoners_defenders  political_prisoners_total  2025-09   1187  exact      2025-10-10  http://127.0.0.1:9/2025/10/10/pd-2025-09/
"""  # noqa: E501


def test_history_every_period_json(capsys, db):
    code, out, _ = run(capsys, db, "history", "--metric", "new_political_prisoners",
                       "--format", "json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["period"], r["value"], r["qualifier"]) for r in rows] == [
        ("2024", 155, "exact"), ("2025-08", 13, "exact"), ("2025-09", 11, "exact")]
    assert set(rows[0]) == {"source", "metric", "period", "value", "qualifier", "published",
                            "url"}


def test_events_filters(capsys, db):
    code, out, _ = run(capsys, db, "events", "--kind", "revised", "--format", "json")
    assert code == 0
    assert [json.loads(line) for line in out.splitlines()] == [{
        "id": 3, "created": "2025-09-20T06:00:00Z", "source": "prisoners_defenders",
        "kind": "revised", "metric": "political_prisoners_total", "period": "2025-08",
        "old_value": 1183, "new_value": 1185, "qualifier": "exact",
        "url": "http://127.0.0.1:9/2025/09/10/pd-2025-08/", "details": None}]
    code, out, _ = run(capsys, db, "events", "--since", "2025-10", "--source", "ocdh")
    assert code == 0
    assert out == """\
id  created               source  kind            metric  period  old_value  new_value  qualifier  url  details
--  --------------------  ------  --------------  ------  ------  ---------  ---------  ---------  ---  ---------------
 4  2025-10-03T12:00:00Z  ocdh    source_failing                                                        {"failures": 3}
"""  # noqa: E501
    code, out, _ = run(capsys, db, "events", "--since", "2025-10-04", "--format", "csv")
    assert [r["id"] for r in csv.DictReader(io.StringIO(out))] == ["5"]


def test_empty_result_says_so(capsys, db):
    code, out, _ = run(capsys, db, "events", "--kind", "conflict")
    assert code == 0
    assert out.splitlines()[-1] == "(no rows)"
    code, out, _ = run(capsys, db, "events", "--kind", "conflict", "--format", "json")
    assert code == 0 and out == ""


@pytest.mark.parametrize("command", [["latest"], ["history"], ["events"],
                                     ["query", "SELECT * FROM figures"]])
def test_json_and_csv_round_trip_to_the_stored_numbers(capsys, db, command):
    code, jout, _ = run(capsys, db, *command, "--format", "json")
    assert code == 0
    code, cout, _ = run(capsys, db, *command, "--format", "csv")
    assert code == 0
    jrows = [json.loads(line) for line in jout.splitlines()]
    crows = list(csv.DictReader(io.StringIO(cout)))
    assert len(jrows) == len(crows) > 0
    for j, c in zip(jrows, crows, strict=True):
        assert list(j) == list(c)  # same columns, same order
        for k, v in j.items():
            assert c[k] == ("" if v is None else str(v))
            if isinstance(v, int):
                assert int(c[k]) == v
    # the values are the stored ones, untouched
    conn = sqlite3.connect(db)
    stored = {(s, m, p): v for s, m, p, v in conn.execute(
        "SELECT source, metric, period, value FROM figures")}
    for j in jrows:
        if command[0] in ("latest", "history", "query"):
            assert stored[(j["source"], j["metric"], j["period"])] == j["value"]


def test_floats_and_big_integers_are_not_reformatted(capsys, db):
    sql = "SELECT 0.1 + 0.2 AS x, 9007199254740993 AS big, 1e300 AS huge, -0.000125 AS small"
    code, out, _ = run(capsys, db, "query", sql, "--format", "json")
    assert code == 0
    row = json.loads(out)
    assert row == {"x": 0.30000000000000004, "big": 9007199254740993, "huge": 1e300,
                   "small": -0.000125}
    code, out, _ = run(capsys, db, "query", sql, "--format", "csv")
    header, values = out.splitlines()
    assert header == "x,big,huge,small"
    assert values == "0.30000000000000004,9007199254740993,1e+300,-0.000125"
    assert float(values.split(",")[0]) == 0.1 + 0.2
    assert int(values.split(",")[1]) == 9007199254740993


def test_reading_a_missing_archive_fails_and_creates_nothing(tmp_path):
    missing = tmp_path / "nope" / "monitor.db"
    for cmd in (["latest"], ["history"], ["events"], ["query", "SELECT 1"]):
        r = run_monitor("--db", str(missing), *cmd, "--format", "json")
        assert r.returncode == 1, (cmd, r.stderr)
        assert "no archive" in r.stderr
    assert not missing.parent.exists()


def test_latest_from_the_command_line(tmp_path):
    db = make_archive(tmp_path / "known.db")
    r = run_monitor("--db", str(db), "latest")
    assert r.returncode == 0, r.stderr
    assert r.stdout == LATEST_TABLE


@pytest.mark.parametrize("args", [["events", "--since", "last week"],
                                  ["history", "--since", "2025/09"],
                                  ["latest", "--format", "xml"],
                                  ["events", "--kind", "surprise"]])
def test_bad_options_are_usage_errors(capsys, db, args):
    with pytest.raises(SystemExit) as exc:
        main(["--db", str(db), *args])
    assert exc.value.code == 2
    assert "error: argument" in capsys.readouterr().err
