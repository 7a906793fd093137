-- Duplicate search (src/domain/dedupe.c) looks for earlier cases of one
-- category within a box around the new report's point. Through
-- cases_category it had to read every case of the category in the time
-- window, which grows with the rate of reports, not with the box; this
-- index reads the box's latitude band only, and tests longitude and the
-- window in the index before a row is read. Cases without a point sit at
-- lat NULL, where the same index finds those of the window.
CREATE INDEX cases_place ON cases(category, lat, lng, reported_at);
