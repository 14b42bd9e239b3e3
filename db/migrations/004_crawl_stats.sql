-- Crawl bookkeeping (README "Crawling politely").

-- Other addresses of a stored post, e.g. the WordPress short link /?p=NNNN: the crawler
-- treats them as the post itself, so a post is stored once, under its permalink.
CREATE TABLE page_aliases (
    alias           TEXT PRIMARY KEY,
    url             TEXT NOT NULL,                     -- pages.url (the permalink)
    source          TEXT NOT NULL
);
CREATE INDEX page_aliases_source ON page_aliases(source);

-- peak resident memory of the crawl child process, in KiB
ALTER TABLE runs ADD COLUMN crawl_max_rss_kb INTEGER;
