-- Cases (事项): the matters in the closed loop. The cases row is the
-- projection; case_events is the truth and the timeline: every action
-- inserts one event in the transaction that updates the row (DESIGN.md).
--
-- state, clock and the action names come from the flow files (flows/*.json,
-- src/domain/flow.h), so they are not constrained here. level is where the
-- case stands (grid, village, town, county) and centre the region code of
-- the centre in charge at that level; scope_key is the grid code, else the
-- region code (src/domain/scope.h).
CREATE TABLE cases (
    id               INTEGER PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL CHECK (kind IN ('event', 'dispute', 'petition')),
    category         TEXT NOT NULL REFERENCES categories(code),
    title            TEXT NOT NULL,
    description      TEXT NOT NULL,
    state            TEXT NOT NULL,
    level            TEXT NOT NULL CHECK (level IN ('grid', 'village', 'town', 'county')),
    centre           TEXT NOT NULL REFERENCES regions(code),
    source           TEXT NOT NULL CHECK (source IN ('grid', 'citizen', 'hotline', 'window',
                                                     'department', 'camera')),
    priority         TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'urgent')),
    self_resolved    INTEGER NOT NULL DEFAULT 0,
    lat              REAL,
    lng              REAL,
    address          TEXT,
    grid             TEXT REFERENCES grids(code),
    region           TEXT NOT NULL REFERENCES regions(code),
    scope_key        TEXT NOT NULL,
    department       TEXT REFERENCES departments(code), -- the owner while dispatched
    reporter_user    INTEGER REFERENCES users(id),
    reporter_name    TEXT,
    reporter_phone   TEXT,  -- sealed (src/core/secret.h)
    reporter_phone_masked TEXT,
    tracking_code    TEXT UNIQUE, -- citizen reports: what the portal follows
    master           INTEGER REFERENCES cases(id), -- merged into
    supervision      TEXT CHECK (supervision IN ('yellow', 'red')),
    risk             TEXT CHECK (risk IN ('red', 'yellow', 'blue')),
    tier             TEXT,
    -- The clock running in the current state.
    clock            TEXT,
    clock_started    INTEGER,
    deadline         INTEGER,
    clock_step       INTEGER NOT NULL DEFAULT 0, -- expiry steps already applied
    warned           INTEGER NOT NULL DEFAULT 0, -- near-deadline notice sent
    next_due         INTEGER,                    -- when the scheduler must look again
    overdue          INTEGER NOT NULL DEFAULT 0, -- the running clock has expired
    handle_deadline  INTEGER,                    -- the department's deadline, kept for the rates
    handled_late     INTEGER NOT NULL DEFAULT 0, -- fed back after handle_deadline
    pending_deadline INTEGER,                    -- an extension asked for
    satisfaction     INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    result           TEXT,
    returns          INTEGER NOT NULL DEFAULT 0,
    extensions       INTEGER NOT NULL DEFAULT 0,
    reworks          INTEGER NOT NULL DEFAULT 0,
    reopens          INTEGER NOT NULL DEFAULT 0,
    escalations      INTEGER NOT NULL DEFAULT 0,
    reported_at      INTEGER NOT NULL,
    accepted_at      INTEGER,
    dispatched_at    INTEGER,
    feedback_at      INTEGER,
    closed_at        INTEGER,
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX cases_scope ON cases(scope_key, id);
CREATE INDEX cases_department ON cases(department, id);
CREATE INDEX cases_state ON cases(state, id);
CREATE INDEX cases_category ON cases(category, reported_at);
CREATE INDEX cases_master ON cases(master);
CREATE INDEX cases_next_due ON cases(next_due) WHERE next_due IS NOT NULL;

-- Departments on a case besides the owner column: the owner again, co-handlers
-- (协办) and departments summoned by a town (发令), who report in (报到) by due.
CREATE TABLE case_departments (
    case_id        INTEGER NOT NULL REFERENCES cases(id),
    department     TEXT NOT NULL REFERENCES departments(code),
    role           TEXT NOT NULL CHECK (role IN ('owner', 'co', 'summoned')),
    due            INTEGER,
    reported_in_at INTEGER,
    overdue_noted  INTEGER NOT NULL DEFAULT 0, -- summoned: the late report-in was supervised
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (case_id, department, role)
);
CREATE INDEX case_departments_department ON case_departments(department, case_id);

-- One row per action, clock step and report: append-only.
CREATE TABLE case_events (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    actor      INTEGER REFERENCES users(id), -- NULL: the system or a citizen
    actor_name TEXT,
    role       TEXT NOT NULL,                -- the role acted as, 'system' or 'citizen'
    action     TEXT NOT NULL,
    from_state TEXT,
    to_state   TEXT,
    fields     TEXT NOT NULL DEFAULT '{}',   -- JSON object
    public     INTEGER NOT NULL DEFAULT 0,   -- shown on the citizen portal
    at         INTEGER NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, id);

-- Possible duplicates found at report time, with a score of 0..100.
CREATE TABLE case_similar (
    case_id   INTEGER NOT NULL REFERENCES cases(id),
    candidate INTEGER NOT NULL REFERENCES cases(id),
    score     INTEGER NOT NULL,
    PRIMARY KEY (case_id, candidate)
);

-- The last number given per kind prefix and local day (SJ20261124-000042).
CREATE TABLE case_numbers (
    day  TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);

-- Title and description for the duplicate search (trigram: Chinese has no
-- spaces between words). rowid is the case id.
CREATE VIRTUAL TABLE case_text USING fts5(title, description, tokenize = 'trigram');

-- Creates with an Idempotency-Key: the first answer, kept for a retry.
CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL, -- 0: the citizen portal, keyed with the address
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- What the live stream (GET /events/stream) tells: each row is for one
-- user, the accounts of one scope code (a centre's region or a grid, exact)
-- holding one of roles, or one department's accounts.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    case_id     INTEGER REFERENCES cases(id),
    target_kind TEXT NOT NULL CHECK (target_kind IN ('user', 'scope', 'department')),
    target      TEXT NOT NULL,
    roles       INTEGER NOT NULL,
    payload     TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX notifications_target ON notifications(target_kind, target, id);
