-- The holiday calendar as edited in wangge (PUT /calendar/years/{year}):
-- one year's document in the format of data/holidays/YYYY.json, which it
-- takes the place of. Loaded at start after the files; an edit takes effect
-- at once on the node that made it (src/core/calendar.h).
CREATE TABLE calendar_years (
    year       INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2099),
    doc        TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users(id)
);
