-- Arithmetic identities each source declares (source.toml [[identities]]), checked for
-- every period where all their figures are known (src/monitor/checks.py). A failing row
-- is a finding about the report, never a reason to drop a figure.
CREATE TABLE IF NOT EXISTS checks (
    source          TEXT NOT NULL,
    "check"         TEXT NOT NULL,                     -- the identity's name
    period          TEXT NOT NULL,                     -- the period of its right side
    holds           INTEGER NOT NULL,                  -- 1 it adds up, 0 it does not
    stated          INTEGER NOT NULL,                  -- the right side, as the report gives it
    computed        INTEGER NOT NULL,                  -- the left side, summed
    expression      TEXT NOT NULL,                     -- e.g. 1180 + 13 - 8 = 1185
    terms           TEXT NOT NULL DEFAULT '[]',        -- JSON [{metric, period, sign, value}]
    checked_at      TEXT NOT NULL,                     -- when this result was last (re)computed
    PRIMARY KEY (source, "check", period)
);
