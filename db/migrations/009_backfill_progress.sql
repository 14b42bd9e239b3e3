-- A backfill commits as it goes: each batch of pages is its own transaction, and the
-- pages it has stored are listed here so that a backfill stopped midway (killed, timed
-- out, a crash) continues where it stopped instead of fetching them again. The rows of a
-- source are removed when its backfill completes.
CREATE TABLE IF NOT EXISTS backfill_progress (
    source      TEXT NOT NULL,
    url         TEXT NOT NULL,
    kind        TEXT NOT NULL,                     -- post | feed | listing
    run_id      INTEGER REFERENCES runs(id),       -- the backfill run that stored it
    done_at     TEXT NOT NULL,                     -- when its batch committed (UTC)
    PRIMARY KEY (source, url)
);

-- The runs of a backfill that has not finished, and whether the events their batches
-- recorded have been planned into a message yet (by the backfill's end, or by the next
-- scheduled run, so a stopped backfill's newest figures are never left unsent).
CREATE TABLE IF NOT EXISTS backfill_runs (
    run_id          INTEGER PRIMARY KEY REFERENCES runs(id),
    source          TEXT NOT NULL,
    events_planned  INTEGER NOT NULL DEFAULT 0
);
