-- Base data (人地事物组织): houses, residents and their special-group tags,
-- organisations, key places, and the visits and patrols of grid staff.
-- Every row carries its grid and region codes, set from its location by
-- the locate index, and a scope_key (the grid code, else the region code)
-- for the scope range of src/domain/scope.h.
--
-- Personal numbers (ID numbers, phones) are stored sealed with the key file
-- (src/core/secret.h), with a keyed blind index for exact search and the
-- masked form kept beside them, so lists never need to open a seal.
CREATE TABLE houses (
    id            INTEGER PRIMARY KEY,
    address       TEXT NOT NULL,
    use           TEXT NOT NULL CHECK (use IN ('residential', 'commercial', 'mixed', 'industrial',
                                               'public', 'other')),
    rental        INTEGER NOT NULL DEFAULT 0,
    owner_name    TEXT,
    lat           REAL,
    lng           REAL,
    grid          TEXT REFERENCES grids(code),
    region        TEXT NOT NULL REFERENCES regions(code),
    scope_key     TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX houses_scope ON houses(scope_key, id);

CREATE TABLE residents (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    id_number       TEXT,  -- sealed
    id_number_index TEXT UNIQUE,
    id_number_masked TEXT,
    sex             TEXT CHECK (sex IN ('male', 'female')),
    birth_date      TEXT,
    phone           TEXT,  -- sealed
    phone_index     TEXT,
    phone_masked    TEXT,
    -- 户籍 (registered here), 流动 (living here, registered elsewhere), 境外.
    residence_type  TEXT NOT NULL DEFAULT 'registered'
                    CHECK (residence_type IN ('registered', 'floating', 'overseas')),
    household       TEXT,  -- 户号
    address         TEXT,
    house           INTEGER REFERENCES houses(id),
    -- How the resident lives in the house: owner, family of the owner, tenant.
    house_relation  TEXT CHECK (house_relation IN ('owner', 'family', 'tenant')),
    lat             REAL,
    lng             REAL,
    grid            TEXT REFERENCES grids(code),
    region          TEXT NOT NULL REFERENCES regions(code),
    scope_key       TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX residents_scope ON residents(scope_key, id);
CREATE INDEX residents_phone ON residents(phone_index);
CREATE INDEX residents_house ON residents(house);
CREATE INDEX residents_name ON residents(name);

-- Special groups (特殊人群 / 重点人员) a resident belongs to, each visited
-- every visit_days by a responsible grid worker (an account).
CREATE TABLE resident_tags (
    resident   INTEGER NOT NULL REFERENCES residents(id),
    tag        TEXT NOT NULL,
    visit_days INTEGER NOT NULL CHECK (visit_days BETWEEN 1 AND 366),
    worker     INTEGER REFERENCES users(id),
    since      INTEGER NOT NULL,
    scope_key  TEXT NOT NULL,
    PRIMARY KEY (resident, tag)
);
CREATE INDEX resident_tags_worker ON resident_tags(worker);
CREATE INDEX resident_tags_scope ON resident_tags(scope_key, tag);

CREATE TABLE organisations (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    credit_code  TEXT UNIQUE,
    type         TEXT NOT NULL CHECK (type IN ('enterprise', 'individual', 'social', 'government',
                                               'school', 'hospital', 'other')),
    legal_person TEXT,
    employees    INTEGER,
    address      TEXT,
    lat          REAL,
    lng          REAL,
    grid         TEXT REFERENCES grids(code),
    region       TEXT NOT NULL REFERENCES regions(code),
    scope_key    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX organisations_scope ON organisations(scope_key, id);

-- Key places (重点场所), patrolled every visit_days when set.
CREATE TABLE places (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    type         TEXT NOT NULL,
    address      TEXT,
    organisation INTEGER REFERENCES organisations(id),
    visit_days   INTEGER CHECK (visit_days BETWEEN 1 AND 366),
    worker       INTEGER REFERENCES users(id),
    -- When the current visit_days was set: the first patrol falls due
    -- visit_days after it.
    visit_since  INTEGER,
    lat          REAL,
    lng          REAL,
    grid         TEXT REFERENCES grids(code),
    region       TEXT NOT NULL REFERENCES regions(code),
    scope_key    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX places_scope ON places(scope_key, id);
CREATE INDEX places_worker ON places(worker);

-- Visits (走访) to residents and patrols (巡查) of places.
CREATE TABLE visits (
    id           INTEGER PRIMARY KEY,
    subject_type TEXT NOT NULL CHECK (subject_type IN ('resident', 'place')),
    subject_id   INTEGER NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    at           INTEGER NOT NULL,
    lat          REAL,
    lng          REAL,
    notes        TEXT,
    grid         TEXT REFERENCES grids(code),
    scope_key    TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX visits_subject ON visits(subject_type, subject_id, at);
CREATE INDEX visits_scope ON visits(scope_key, id);

-- Uploaded files, stored content-addressed outside the web root; a file is
-- served only to those who may see a record that links to it.
CREATE TABLE attachments (
    sha256     TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    size       INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);
-- department: set for records assigned to one (a dispatched case), whose
-- department roles then read the file too; NULL otherwise.
CREATE TABLE attachment_links (
    sha256     TEXT NOT NULL REFERENCES attachments(sha256),
    owner_type TEXT NOT NULL,
    owner_id   INTEGER NOT NULL,
    scope_key  TEXT NOT NULL,
    department TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (owner_type, owner_id, sha256)
);
CREATE INDEX attachment_links_sha ON attachment_links(sha256);
-- Everyone who uploaded a file (the same bytes may come from several
-- people; created_by above is only the first), who may read it back.
CREATE TABLE attachment_uploads (
    sha256     TEXT NOT NULL REFERENCES attachments(sha256),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (sha256, user_id)
);
