-- Views for reading the series without knowing the schema (documented in README.md,
-- "The archive"). Views only: nothing here changes stored data.

-- Prisoners Defenders monthly series in wide form: one row per month, one column per metric.
CREATE VIEW prisoners_defenders_monthly AS
SELECT period,
       MAX(CASE WHEN metric = 'political_prisoners_total' THEN value END) AS political_prisoners_total,
       MAX(CASE WHEN metric = 'new_political_prisoners' THEN value END) AS new_political_prisoners,
       MAX(CASE WHEN metric = 'released' THEN value END) AS released,
       MAX(CASE WHEN metric = 'convicts_of_conscience' THEN value END) AS convicts_of_conscience,
       MAX(CASE WHEN metric = 'sentenced_of_conscience' THEN value END) AS sentenced_of_conscience,
       MAX(CASE WHEN metric = 'other_political_prisoners' THEN value END) AS other_political_prisoners,
       MAX(CASE WHEN metric = 'women' THEN value END) AS women,
       MAX(CASE WHEN metric = 'minors' THEN value END) AS minors,
       MAX(CASE WHEN metric = 'with_health_issues' THEN value END) AS with_health_issues,
       MAX(CASE WHEN metric = 'mental_health_issues' THEN value END) AS mental_health_issues,
       MAX(CASE WHEN metric = 'eleven_j_prisoners' THEN value END) AS eleven_j_prisoners
FROM figures
WHERE source = 'prisoners_defenders' AND length(period) = 7
GROUP BY period
ORDER BY period;

-- OCDH monthly series in wide form: one row per month, one column per metric.
CREATE VIEW ocdh_monthly AS
SELECT period,
       MAX(CASE WHEN metric = 'repressive_actions' THEN value END) AS repressive_actions,
       MAX(CASE WHEN metric = 'arbitrary_detentions' THEN value END) AS arbitrary_detentions,
       MAX(CASE WHEN metric = 'other_abuses' THEN value END) AS other_abuses,
       MAX(CASE WHEN metric = 'violent_detentions' THEN value END) AS violent_detentions,
       MAX(CASE WHEN metric = 'detentions_women' THEN value END) AS detentions_women,
       MAX(CASE WHEN metric = 'detentions_men' THEN value END) AS detentions_men,
       MAX(CASE WHEN metric = 'house_sieges' THEN value END) AS house_sieges
FROM figures
WHERE source = 'ocdh' AND length(period) = 7
GROUP BY period
ORDER BY period;

-- Yearly figures (period YYYY) of both sources, one row per source, metric and year.
CREATE VIEW yearly AS
SELECT source, metric, period AS year, value, qualifier, published, url, evidence
FROM figures
WHERE length(period) = 4
ORDER BY source, metric, period;

-- Every revision of an accepted figure: what it was, what it became, when and from where.
CREATE VIEW revisions AS
SELECT id AS event_id, created, source, metric, period, old_value, new_value,
       new_value - old_value AS change, url, evidence
FROM events
WHERE kind = 'revised'
ORDER BY id;
