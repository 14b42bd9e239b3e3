-- Probe first (README "Performance"): a scheduled crawl first revalidates the start URLs
-- itself and skips Scrapy when none changed.

-- robots.txt as the probe last fetched it, per origin; reused for at most 24 hours
-- (RFC 9309, 2.4), then revalidated with its ETag/Last-Modified.
CREATE TABLE robots_txt (
    origin          TEXT PRIMARY KEY,                  -- scheme://host[:port]
    fetched         TEXT NOT NULL,                     -- when it was last fetched or revalidated
    http_status     INTEGER NOT NULL,                  -- 2xx: rules in body; 4xx: no rules (all allowed)
    etag            TEXT,
    last_modified   TEXT,
    body            TEXT NOT NULL DEFAULT ''
);

-- 1: the run was the probe alone (start URLs unchanged, or a start URL failed); Scrapy
-- was not started. 0: a full crawl.
ALTER TABLE runs ADD COLUMN probe INTEGER NOT NULL DEFAULT 0;
