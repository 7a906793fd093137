-- The statistics cube (docs/statistics.md "At scale"): what the dashboards
-- read, so that the rows a query reads grow with the days and the groups it
-- shows, not with the cases.
--
-- stats_day and stats_state (migration 0010) hold what each case adds under
-- its own grid, kind, category, source, department and reporter: nearly a
-- row per case and day. stats_cube holds the same counters summed per area
-- (every region above a case's place: province, city, county, town and
-- village, as 12-digit codes; and 'd:' followed by the owner department),
-- day and one dimension at a time (dim, val):
--   all          ''                    everything
--   kind         the case kind
--   category     the category code
--   source       the report source
--   state:KIND   the state now          (n: the cases in it)
--   child        the child region's significant digits (the grid for a village)
--   place        the case's scope_key   (the map)
--   department   the owner department
--   reporter     the reporting grid worker's id
-- grid_reported and grid_accepted count the reports with a reporter (the
-- valid-report rate's terms), dispute_closed and dispute_accepted the
-- reported_closed and accepted of disputes (the resolution rate's).
--
-- The case engine appends what each change adds to stats_pending in its own
-- transaction (cheap: one row per rollup row it moves); the fold job
-- (src/jobs/stats_fold.c) moves pending rows into the cube in one
-- transaction, and readers add the pending rows still there, so a figure
-- is exact at every moment.
CREATE TABLE stats_pending (
    id INTEGER PRIMARY KEY,
    at               INTEGER NOT NULL,     -- clock ms when written
    day              TEXT NOT NULL,
    scope_key        TEXT NOT NULL,
    kind             TEXT NOT NULL,
    category         TEXT NOT NULL,
    source           TEXT NOT NULL,
    department       TEXT NOT NULL,
    reporter         INTEGER NOT NULL,
    state            TEXT NOT NULL DEFAULT '', -- a state row: n cases moved into state
    n                INTEGER NOT NULL DEFAULT 0,
    reported         INTEGER NOT NULL DEFAULT 0,
    accepted         INTEGER NOT NULL DEFAULT 0,
    rejected         INTEGER NOT NULL DEFAULT 0,
    merged           INTEGER NOT NULL DEFAULT 0,
    open             INTEGER NOT NULL DEFAULT 0,
    reported_closed  INTEGER NOT NULL DEFAULT 0,
    self_resolved    INTEGER NOT NULL DEFAULT 0,
    closed           INTEGER NOT NULL DEFAULT 0,
    closed_due       INTEGER NOT NULL DEFAULT 0,
    closed_on_time   INTEGER NOT NULL DEFAULT 0,
    rated            INTEGER NOT NULL DEFAULT 0,
    satisfied        INTEGER NOT NULL DEFAULT 0,
    reworked         INTEGER NOT NULL DEFAULT 0,
    extended         INTEGER NOT NULL DEFAULT 0,
    returned         INTEGER NOT NULL DEFAULT 0,
    handled          INTEGER NOT NULL DEFAULT 0,
    handling_minutes INTEGER NOT NULL DEFAULT 0,
    h0               INTEGER NOT NULL DEFAULT 0,
    h1               INTEGER NOT NULL DEFAULT 0,
    h2               INTEGER NOT NULL DEFAULT 0,
    h3               INTEGER NOT NULL DEFAULT 0,
    h4               INTEGER NOT NULL DEFAULT 0,
    h5               INTEGER NOT NULL DEFAULT 0,
    h6               INTEGER NOT NULL DEFAULT 0,
    h7               INTEGER NOT NULL DEFAULT 0,
    h8               INTEGER NOT NULL DEFAULT 0,
    h9               INTEGER NOT NULL DEFAULT 0,
    h10              INTEGER NOT NULL DEFAULT 0,
    h11              INTEGER NOT NULL DEFAULT 0,
    due              INTEGER NOT NULL DEFAULT 0,
    due_closed       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE stats_cube (
    area             TEXT NOT NULL,
    dim              TEXT NOT NULL,
    day              TEXT NOT NULL,
    val              TEXT NOT NULL,
    n                INTEGER NOT NULL DEFAULT 0,
    grid_reported    INTEGER NOT NULL DEFAULT 0,
    grid_accepted    INTEGER NOT NULL DEFAULT 0,
    dispute_closed   INTEGER NOT NULL DEFAULT 0,
    dispute_accepted INTEGER NOT NULL DEFAULT 0,
    reported         INTEGER NOT NULL DEFAULT 0,
    accepted         INTEGER NOT NULL DEFAULT 0,
    rejected         INTEGER NOT NULL DEFAULT 0,
    merged           INTEGER NOT NULL DEFAULT 0,
    open             INTEGER NOT NULL DEFAULT 0,
    reported_closed  INTEGER NOT NULL DEFAULT 0,
    self_resolved    INTEGER NOT NULL DEFAULT 0,
    closed           INTEGER NOT NULL DEFAULT 0,
    closed_due       INTEGER NOT NULL DEFAULT 0,
    closed_on_time   INTEGER NOT NULL DEFAULT 0,
    rated            INTEGER NOT NULL DEFAULT 0,
    satisfied        INTEGER NOT NULL DEFAULT 0,
    reworked         INTEGER NOT NULL DEFAULT 0,
    extended         INTEGER NOT NULL DEFAULT 0,
    returned         INTEGER NOT NULL DEFAULT 0,
    handled          INTEGER NOT NULL DEFAULT 0,
    handling_minutes INTEGER NOT NULL DEFAULT 0,
    h0               INTEGER NOT NULL DEFAULT 0,
    h1               INTEGER NOT NULL DEFAULT 0,
    h2               INTEGER NOT NULL DEFAULT 0,
    h3               INTEGER NOT NULL DEFAULT 0,
    h4               INTEGER NOT NULL DEFAULT 0,
    h5               INTEGER NOT NULL DEFAULT 0,
    h6               INTEGER NOT NULL DEFAULT 0,
    h7               INTEGER NOT NULL DEFAULT 0,
    h8               INTEGER NOT NULL DEFAULT 0,
    h9               INTEGER NOT NULL DEFAULT 0,
    h10              INTEGER NOT NULL DEFAULT 0,
    h11              INTEGER NOT NULL DEFAULT 0,
    due              INTEGER NOT NULL DEFAULT 0,
    due_closed       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (area, dim, day, val)
);

-- Reads of one grid (and of a department's cases in a part of its area)
-- still go to stats_day: by place first.
CREATE INDEX stats_day_scope ON stats_day(scope_key, day);
CREATE INDEX stats_state_scope ON stats_state(scope_key, day);

-- The overview's overdue count reads the overdue cases of its period:
-- with the department in the index, it never reads the cases' rows (ten
-- million cases: 18,000 overdue in 30 days, 42 ms to 3 ms).
DROP INDEX cases_overdue_scope;
DROP INDEX cases_overdue_department;
CREATE INDEX cases_overdue_scope ON cases(scope_key, reported_at, department) WHERE overdue = 1;
CREATE INDEX cases_overdue_department ON cases(department, reported_at, scope_key) WHERE overdue = 1;

-- The cube of the rows there are: pending now, folded by the job after
-- the server starts (or by `wangge stats rebuild`).
INSERT INTO stats_pending (at, day, scope_key, kind, category, source, department, reporter,
                           reported, accepted, rejected, merged, open, reported_closed,
                           self_resolved, closed, closed_due, closed_on_time, rated, satisfied,
                           reworked, extended, returned, handled, handling_minutes, h0, h1, h2,
                           h3, h4, h5, h6, h7, h8, h9, h10, h11, due, due_closed)
SELECT 0, day, scope_key, kind, category, source, department, reporter, reported, accepted,
    rejected, merged, open, reported_closed, self_resolved, closed, closed_due, closed_on_time,
    rated, satisfied, reworked, extended, returned, handled, handling_minutes, h0, h1, h2, h3,
    h4, h5, h6, h7, h8, h9, h10, h11, due, due_closed
FROM stats_day;
INSERT INTO stats_pending (at, day, scope_key, kind, category, source, department, reporter,
                           state, n)
SELECT 0, day, scope_key, kind, category, source, department, 0, state, n
FROM stats_state WHERE n <> 0;
