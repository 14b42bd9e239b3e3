"""When a source is due, from the runs in a real archive: catch-up, backoff, cron, jitter."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor import archive
from monitor.config import build
from monitor.scheduler import next_run

T0 = dt.datetime(2026, 1, 1, 6, 0, tzinfo=dt.UTC)


def stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def conn(tmp_path):
    c = archive.connect(tmp_path / "a.db")
    yield c
    c.close()


def source(schedule: dict, **overrides):
    sched = {"jitter": "0s", **schedule}
    if "cron" not in sched:
        sched.setdefault("interval", "6h")
    return build({"schedule": sched, "sources": {"ocdh": overrides}}, None).sources["ocdh"]


def add_run(conn, outcome: str, started: dt.datetime, minutes: int = 1) -> None:
    archive.insert_run(conn, source="ocdh", started=stamp(started),
                       ended=stamp(started + dt.timedelta(minutes=minutes)), outcome=outcome)
    st = archive.source_state(conn, "ocdh")
    archive.update_source_state(conn, "ocdh", consecutive_failures=0 if outcome == "ok"
                                else st["consecutive_failures"] + 1)


def test_never_run_is_due_now(conn):
    assert next_run(conn, source({}), T0) == T0


def test_interval_counts_from_the_last_successful_start_and_catches_up_once(conn):
    src = source({})
    add_run(conn, "ok", T0)
    assert next_run(conn, src, T0 + dt.timedelta(hours=1)) == T0 + dt.timedelta(hours=6)
    # three days of downtime: due (in the past), so it runs at once; and only once, as
    # the run it makes moves the next slot 6h past its own start
    late = T0 + dt.timedelta(days=3)
    assert next_run(conn, src, late) <= late
    add_run(conn, "ok", late)
    assert next_run(conn, src, late) == late + dt.timedelta(hours=6)


def test_failed_runs_are_retried_sooner_with_backoff_capped_by_the_schedule(conn):
    src = source({})
    add_run(conn, "ok", T0)
    t1 = T0 + dt.timedelta(hours=6)
    add_run(conn, "failed", t1)  # ended at t1 + 1 min
    end = t1 + dt.timedelta(minutes=1)
    assert next_run(conn, src, end) == end + dt.timedelta(minutes=5)
    add_run(conn, "failed", end + dt.timedelta(minutes=5))
    end = end + dt.timedelta(minutes=6)
    assert next_run(conn, src, end) == end + dt.timedelta(minutes=10)
    for _ in range(8):
        add_run(conn, "failed", end)
        end += dt.timedelta(minutes=1)
    assert next_run(conn, src, end) == end + dt.timedelta(hours=6)  # never past the slot


def test_cron_schedule_and_a_run_exactly_on_a_fire_time(conn):
    src = source({"cron": "0 */6 * * *"})  # (cron and interval together: a config error)
    assert src.cron
    add_run(conn, "ok", T0)  # started exactly at 06:00
    assert next_run(conn, src, T0) == T0 + dt.timedelta(hours=6)


def test_jitter_is_within_bounds_stable_and_differs_between_runs(conn):
    src = source({"jitter": "15m"})
    add_run(conn, "ok", T0)
    first = next_run(conn, src, T0)
    assert T0 + dt.timedelta(hours=6) <= first < T0 + dt.timedelta(hours=6, minutes=15)
    assert next_run(conn, src, T0) == first  # status and daemon agree
    offsets = set()
    for day in range(1, 6):
        start = T0 + dt.timedelta(days=day)
        add_run(conn, "ok", start)
        offsets.add(next_run(conn, src, start) - start)
    assert len(offsets) > 1
