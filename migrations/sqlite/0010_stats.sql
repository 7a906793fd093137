-- Statistics rollups (docs/statistics.md, src/domain/stats.h): what the
-- dashboards and rates read instead of the cases table. Each case adds
-- counters to at most three rows of stats_day, on the local date
-- (time.offset_minutes) of its report, of its closure and of its handling
-- deadline, and one to stats_state on its report date; the case engine
-- moves them in the transaction of every change, as the difference between
-- what the case added before and after it. The keys are the case's own
-- columns now: scope_key (grid, else region), kind, category, source, the
-- owner department ('' when none) and reporter (the account that reported
-- it with source grid, else 0).
CREATE TABLE stats_day (
    day              TEXT NOT NULL,    -- YYYY-MM-DD, local
    scope_key        TEXT NOT NULL,
    kind             TEXT NOT NULL,
    category         TEXT NOT NULL,
    source           TEXT NOT NULL,
    department       TEXT NOT NULL,
    reporter         INTEGER NOT NULL,
    -- on the report date
    reported         INTEGER NOT NULL DEFAULT 0,
    accepted         INTEGER NOT NULL DEFAULT 0, -- valid: accepted, escalated or self-resolved
    rejected         INTEGER NOT NULL DEFAULT 0,
    merged           INTEGER NOT NULL DEFAULT 0,
    open             INTEGER NOT NULL DEFAULT 0,
    reported_closed  INTEGER NOT NULL DEFAULT 0,
    self_resolved    INTEGER NOT NULL DEFAULT 0,
    -- on the closure date (办结)
    closed           INTEGER NOT NULL DEFAULT 0,
    closed_due       INTEGER NOT NULL DEFAULT 0, -- closed with a handling deadline
    closed_on_time   INTEGER NOT NULL DEFAULT 0,
    rated            INTEGER NOT NULL DEFAULT 0,
    satisfied        INTEGER NOT NULL DEFAULT 0, -- rated 4 or 5
    reworked         INTEGER NOT NULL DEFAULT 0, -- reworked or reopened before closing
    extended         INTEGER NOT NULL DEFAULT 0, -- an extension approved
    returned         INTEGER NOT NULL DEFAULT 0, -- returned by a department on the way
    handled          INTEGER NOT NULL DEFAULT 0, -- dispatched and fed back: handling time known
    handling_minutes INTEGER NOT NULL DEFAULT 0, -- working minutes, dispatch to feedback
    h0 INTEGER NOT NULL DEFAULT 0, h1 INTEGER NOT NULL DEFAULT 0, h2 INTEGER NOT NULL DEFAULT 0,
    h3 INTEGER NOT NULL DEFAULT 0, h4 INTEGER NOT NULL DEFAULT 0, h5 INTEGER NOT NULL DEFAULT 0,
    h6 INTEGER NOT NULL DEFAULT 0, h7 INTEGER NOT NULL DEFAULT 0, h8 INTEGER NOT NULL DEFAULT 0,
    h9 INTEGER NOT NULL DEFAULT 0, h10 INTEGER NOT NULL DEFAULT 0, h11 INTEGER NOT NULL DEFAULT 0,
    -- on the date it is due to close: its handling deadline, or its
    -- closure when that came first
    due              INTEGER NOT NULL DEFAULT 0,
    due_closed       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, scope_key, kind, category, source, department, reporter)
);
CREATE INDEX stats_day_department ON stats_day(department, day);

-- Cases by their state now, on their report date.
CREATE TABLE stats_state (
    day        TEXT NOT NULL,
    scope_key  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    category   TEXT NOT NULL,
    source     TEXT NOT NULL,
    department TEXT NOT NULL,
    state      TEXT NOT NULL,
    n          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, scope_key, kind, category, source, department, state)
);
CREATE INDEX stats_state_department ON stats_state(department, day);

-- Overdue cases are few: counted from the cases table through these,
-- which hold only them.
CREATE INDEX cases_overdue_scope ON cases(scope_key, reported_at) WHERE overdue = 1;
CREATE INDEX cases_overdue_department ON cases(department, reported_at) WHERE overdue = 1;

-- Backfill from the cases there are. The working-time figures (handled,
-- handling_minutes, h0..h11) need the working calendar, which is not in
-- the database: they start from the changes after this migration.
CREATE TEMPORARY TABLE stats_backfill AS
SELECT c.*,
       CASE WHEN c.master IS NULL AND (c.accepted_at IS NOT NULL OR c.self_resolved <> 0
                                        OR c.escalations > 0) THEN 1 ELSE 0 END AS valid,
       COALESCE((SELECT CAST(value AS INTEGER) FROM settings
                 WHERE name = 'time.offset_minutes'), 480) AS off
FROM cases c;

INSERT INTO stats_day (day, scope_key, kind, category, source, department, reporter, reported,
                       accepted, rejected, merged, open, reported_closed, self_resolved, closed,
                       closed_due, closed_on_time, rated, satisfied, reworked, extended, returned,
                       due, due_closed)
SELECT day, scope_key, kind, category, source, department, reporter, sum(reported), sum(accepted),
       sum(rejected), sum(merged), sum(open), sum(reported_closed), sum(self_resolved), sum(closed),
       sum(closed_due), sum(closed_on_time), sum(rated), sum(satisfied), sum(reworked),
       sum(extended), sum(returned), sum(due), sum(due_closed)
FROM (
    SELECT date((b.reported_at / 60000 + b.off) * 60, 'unixepoch') AS day, b.scope_key, b.kind,
           b.category, b.source, COALESCE(b.department, '') AS department,
           CASE WHEN b.source = 'grid' THEN COALESCE(b.reporter_user, 0) ELSE 0 END AS reporter,
           1 AS reported, b.valid AS accepted,
           CASE WHEN b.master IS NULL AND b.closed_at IS NOT NULL AND b.valid = 0 THEN 1 ELSE 0 END
               AS rejected,
           CASE WHEN b.master IS NOT NULL THEN 1 ELSE 0 END AS merged,
           CASE WHEN b.master IS NULL AND b.closed_at IS NULL THEN 1 ELSE 0 END AS open,
           CASE WHEN b.valid = 1 AND b.closed_at IS NOT NULL THEN 1 ELSE 0 END AS reported_closed,
           CASE WHEN b.self_resolved <> 0 THEN 1 ELSE 0 END AS self_resolved,
           0 AS closed, 0 AS closed_due, 0 AS closed_on_time, 0 AS rated, 0 AS satisfied,
           0 AS reworked, 0 AS extended, 0 AS returned, 0 AS due, 0 AS due_closed
    FROM stats_backfill b
    UNION ALL
    SELECT date((b.closed_at / 60000 + b.off) * 60, 'unixepoch'), b.scope_key, b.kind, b.category,
           b.source, COALESCE(b.department, ''),
           CASE WHEN b.source = 'grid' THEN COALESCE(b.reporter_user, 0) ELSE 0 END,
           0, 0, 0, 0, 0, 0, 0, 1,
           CASE WHEN b.handle_deadline IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN b.handle_deadline IS NOT NULL AND b.handled_late = 0 THEN 1 ELSE 0 END,
           CASE WHEN b.satisfaction IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN b.satisfaction >= 4 THEN 1 ELSE 0 END,
           CASE WHEN b.reworks + b.reopens > 0 THEN 1 ELSE 0 END,
           CASE WHEN b.extensions > 0 THEN 1 ELSE 0 END,
           CASE WHEN b.returns > 0 THEN 1 ELSE 0 END,
           0, 0
    FROM stats_backfill b
    WHERE b.valid = 1 AND b.closed_at IS NOT NULL
    UNION ALL
    SELECT date(((CASE WHEN b.closed_at IS NOT NULL AND b.closed_at < b.handle_deadline
                       THEN b.closed_at ELSE b.handle_deadline END) / 60000 + b.off) * 60,
                'unixepoch'),
           b.scope_key, b.kind, b.category, b.source, COALESCE(b.department, ''),
           CASE WHEN b.source = 'grid' THEN COALESCE(b.reporter_user, 0) ELSE 0 END,
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
           CASE WHEN b.closed_at IS NOT NULL THEN 1 ELSE 0 END
    FROM stats_backfill b
    WHERE b.valid = 1 AND b.handle_deadline IS NOT NULL
) AS parts
GROUP BY day, scope_key, kind, category, source, department, reporter;

INSERT INTO stats_state (day, scope_key, kind, category, source, department, state, n)
SELECT date((b.reported_at / 60000 + b.off) * 60, 'unixepoch'), b.scope_key, b.kind, b.category,
       b.source, COALESCE(b.department, ''), b.state, count(*)
FROM stats_backfill b
GROUP BY 1, 2, 3, 4, 5, 6, 7;

DROP TABLE stats_backfill;
