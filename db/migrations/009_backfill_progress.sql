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
