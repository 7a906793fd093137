-- Evaluation snapshots (考核, docs/statistics.md "Evaluation", src/domain/
-- evaluation.h): a published period's scores and ranks, frozen, so that a
-- ranking once announced does not move when late data changes the rates.
-- One snapshot per county, subject kind and period; its rows are every
-- subject of the county as it was computed at publishing, with the weights
-- and figures of each rate (rates: the API's JSON object).
CREATE TABLE evaluation_snapshots (
    id                INTEGER PRIMARY KEY,
    period            TEXT NOT NULL,    -- 2026-10, 2026-Q3, 2026
    kind              TEXT NOT NULL CHECK (kind IN ('month', 'quarter', 'year')),
    subject           TEXT NOT NULL CHECK (subject IN ('town', 'department', 'grid_worker')),
    region            TEXT NOT NULL,    -- the county covered
    period_from       TEXT NOT NULL,    -- YYYY-MM-DD, local
    period_to         TEXT NOT NULL,
    purpose           TEXT NOT NULL CHECK (purpose IN ('ranking', 'score')),
    scale             INTEGER NOT NULL,
    ranked            INTEGER NOT NULL, -- rows with a rank
    row_count         INTEGER NOT NULL,
    published_at      INTEGER NOT NULL,
    published_by      INTEGER,          -- the account; NULL for the system
    published_by_name TEXT NOT NULL,
    UNIQUE (region, subject, period)
);

CREATE TABLE evaluation_rows (
    snapshot    INTEGER NOT NULL REFERENCES evaluation_snapshots(id),
    seq         INTEGER NOT NULL,  -- rank order
    subject_key TEXT NOT NULL,     -- town code, department code or username
    name        TEXT NOT NULL,
    scope_key   TEXT NOT NULL,     -- where the subject sits, for the readers' scope
    rank        INTEGER,           -- NULL: no rate had data
    score       INTEGER,           -- hundredths of a point; NULL with rank
    grade       TEXT,
    rates       TEXT NOT NULL,
    PRIMARY KEY (snapshot, seq)
);
