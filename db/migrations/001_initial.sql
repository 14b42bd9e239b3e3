-- monitor archive, schema version 1. Columns are documented in README.md ("The archive").

CREATE TABLE pages (
    id              INTEGER PRIMARY KEY,
    source          TEXT NOT NULL,
    url             TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL DEFAULT 'post',      -- post | feed | listing
    first_fetched   TEXT NOT NULL,
    last_fetched    TEXT NOT NULL,
    last_changed    TEXT NOT NULL,
    http_status     INTEGER,
    etag            TEXT,
    last_modified   TEXT,
    content_hash    TEXT,
    title           TEXT,
    published       TEXT,                              -- YYYY-MM-DD
    text            TEXT,
    html_z          BLOB,                              -- zlib-compressed raw HTML
    extractor_version TEXT
);
CREATE INDEX pages_source ON pages(source);

CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    source          TEXT NOT NULL,
    started         TEXT NOT NULL,
    ended           TEXT,
    outcome         TEXT NOT NULL,                     -- ok | failed
    backfill        INTEGER NOT NULL DEFAULT 0,
    pages_fetched   INTEGER NOT NULL DEFAULT 0,
    pages_changed   INTEGER NOT NULL DEFAULT 0,
    observations    INTEGER NOT NULL DEFAULT 0,
    events          INTEGER NOT NULL DEFAULT 0,
    errors          INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    requests        INTEGER NOT NULL DEFAULT 0,
    responses       TEXT,                              -- JSON {status: count}
    bytes_received  INTEGER NOT NULL DEFAULT 0,
    revalidations   INTEGER NOT NULL DEFAULT 0,
    duration        REAL
);
CREATE INDEX runs_source ON runs(source, started);

CREATE TABLE observations (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER REFERENCES runs(id),
    page_id         INTEGER REFERENCES pages(id),
    source          TEXT NOT NULL,
    metric          TEXT NOT NULL,
    period          TEXT NOT NULL,
    value           INTEGER NOT NULL,
    qualifier       TEXT NOT NULL DEFAULT 'exact',
    published       TEXT,
    url             TEXT NOT NULL,
    evidence        TEXT,
    extractor_version TEXT,
    observed_at     TEXT NOT NULL,
    current         INTEGER NOT NULL DEFAULT 1         -- 0 once the page was re-extracted
);
CREATE INDEX observations_key ON observations(source, metric, period);
CREATE INDEX observations_url ON observations(url);

CREATE TABLE figures (
    source          TEXT NOT NULL,
    metric          TEXT NOT NULL,
    period          TEXT NOT NULL,
    value           INTEGER NOT NULL,
    qualifier       TEXT NOT NULL DEFAULT 'exact',
    published       TEXT,
    url             TEXT,
    evidence        TEXT,
    observation_id  INTEGER REFERENCES observations(id),
    first_seen      TEXT NOT NULL,
    last_changed    TEXT NOT NULL,
    PRIMARY KEY (source, metric, period)
);

CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    created         TEXT NOT NULL,
    run_id          INTEGER REFERENCES runs(id),
    source          TEXT NOT NULL,
    kind            TEXT NOT NULL,                     -- new | revised | conflict | source_failing | source_recovered | stale | extraction_gap
    metric          TEXT,
    period          TEXT,
    old_value       INTEGER,
    new_value       INTEGER,
    qualifier       TEXT,
    url             TEXT,
    evidence        TEXT,
    details         TEXT,
    alert           INTEGER NOT NULL DEFAULT 1         -- 0: recorded only (e.g. backfilled old periods)
);
CREATE INDEX events_created ON events(created);
CREATE INDEX events_source ON events(source, kind);

CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    created         TEXT NOT NULL,
    run_id          INTEGER REFERENCES runs(id),
    source          TEXT,
    category        TEXT NOT NULL,                     -- data | ops | test
    target          TEXT NOT NULL,                     -- tag or redacted URL, never a secret
    target_key      TEXT NOT NULL,                     -- sha256 of the target URL, to match it on retry
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    event_ids       TEXT NOT NULL DEFAULT '[]',        -- JSON list of events.id
    status          TEXT NOT NULL DEFAULT 'pending',   -- pending | sent | failed | unsent
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt    TEXT,
    sent_at         TEXT
);
CREATE INDEX notifications_status ON notifications(status);

CREATE TABLE source_state (
    source          TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing         INTEGER NOT NULL DEFAULT 0,
    failing_since   TEXT,
    stale           INTEGER NOT NULL DEFAULT 0,
    last_new_period_at TEXT,                           -- when the monitor last stored a new period
    last_success    TEXT,
    last_error      TEXT
);
