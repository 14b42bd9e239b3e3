-- How each observation was read (README "Tables: observations"): a JSON object with the
-- counted thing, event, scope, window, attribution, time anchor, period and the rule.
ALTER TABLE observations ADD COLUMN reading TEXT;
