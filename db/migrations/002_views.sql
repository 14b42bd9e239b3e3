-- Views for the common questions (documented in README.md).

-- latest value per source and metric (monthly series), with the previous period and change
CREATE VIEW latest AS
WITH ranked AS (
    SELECT f.*, ROW_NUMBER() OVER (PARTITION BY source, metric ORDER BY period DESC) AS rn
    FROM figures f WHERE length(period) = 7
)
SELECT r.source, r.metric, r.period, r.value, r.qualifier,
       p.period AS previous_period, p.value AS previous_value,
       CASE WHEN p.value IS NULL THEN NULL ELSE r.value - p.value END AS change,
       r.published, r.url, r.evidence, r.last_changed
FROM ranked r
LEFT JOIN figures p
  ON p.source = r.source AND p.metric = r.metric
 AND p.period = printf('%04d-%02d',
        CASE WHEN CAST(substr(r.period, 6, 2) AS INTEGER) = 1
             THEN CAST(substr(r.period, 1, 4) AS INTEGER) - 1
             ELSE CAST(substr(r.period, 1, 4) AS INTEGER) END,
        CASE WHEN CAST(substr(r.period, 6, 2) AS INTEGER) = 1
             THEN 12 ELSE CAST(substr(r.period, 6, 2) AS INTEGER) - 1 END)
WHERE r.rn = 1;
