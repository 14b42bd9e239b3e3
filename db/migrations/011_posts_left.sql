-- A scheduled run capped by max_new_posts left posts for the next run: that run must crawl,
-- even when the start-URL probe finds the feed unchanged.
ALTER TABLE runs ADD COLUMN posts_left INTEGER NOT NULL DEFAULT 0;
