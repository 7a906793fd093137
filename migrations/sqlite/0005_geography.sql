-- Grids (网格 / 微网格), their staff, departments with their duty lists
-- (职责清单), and the case categories. Codes, not ids, where the domain has
-- them: a grid code is its village's 12-digit code and 3 digits; a
-- micro-grid's is its parent grid's code and 3 digits, so scope prefixes
-- (src/domain/scope.h) cover micro-grids with their grid.
CREATE TABLE grids (
    code       TEXT PRIMARY KEY CHECK (length(code) IN (15, 18)),
    region     TEXT NOT NULL REFERENCES regions(code),
    parent     TEXT REFERENCES grids(code),
    name       TEXT NOT NULL,
    type       TEXT NOT NULL CHECK (type IN ('urban', 'rural', 'special')),
    -- Canonical GeoJSON geometry text (src/io/geojson.h), NULL until drawn.
    boundary   TEXT,
    min_lng    REAL,
    min_lat    REAL,
    max_lng    REAL,
    max_lat    REAL,
    area_m2    REAL,
    scope_key  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX grids_region ON grids(region, code);
CREATE INDEX grids_parent ON grids(parent);

-- Grid staff are people, whether or not they have an account. Heads and
-- instructors serve an area (scope_key: a village or town code), grid
-- workers and assistants one grid (scope_key: the grid code).
CREATE TABLE grid_staff (
    id           INTEGER PRIMARY KEY,
    role         TEXT NOT NULL CHECK (role IN ('chief_grid_head', 'grid_head', 'grid_worker',
                                               'grid_instructor', 'grid_assistant')),
    name         TEXT NOT NULL,
    phone        TEXT,  -- sealed (src/core/secret.h)
    phone_masked TEXT,
    phone_index  TEXT,  -- blind index
    user_id      INTEGER REFERENCES users(id),
    scope_key    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX grid_staff_scope ON grid_staff(scope_key, role);
CREATE INDEX grid_staff_user ON grid_staff(user_id);

-- Case categories from data/categories.json: major (2 digits) and minor
-- (4 digits). The owner of a minor category at each level is a department
-- key (departments.key); routing resolves it under the case's region.
CREATE TABLE categories (
    code         TEXT PRIMARY KEY,
    parent       TEXT REFERENCES categories(code),
    kind         TEXT NOT NULL CHECK (kind IN ('event', 'dispute')),
    name         TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    deadline     INTEGER,
    deadline_unit TEXT CHECK (deadline_unit IN ('working_days', 'working_hours')),
    owner_town   TEXT,
    owner_county TEXT,
    position     INTEGER NOT NULL
);
CREATE INDEX categories_parent ON categories(parent, position);

-- Departments at county and town level. code is the region's significant
-- prefix, '-' and the key (610326-police, 610326101-police), so a scope
-- prefix also selects the departments of an area.
CREATE TABLE departments (
    code       TEXT PRIMARY KEY,
    key        TEXT NOT NULL,
    region     TEXT NOT NULL REFERENCES regions(code),
    level      TEXT NOT NULL CHECK (level IN ('county', 'town')),
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (region, key)
);
CREATE INDEX departments_key ON departments(key, region);

-- The duty list: the minor categories a department handles.
CREATE TABLE department_duties (
    department TEXT NOT NULL REFERENCES departments(code),
    category   TEXT NOT NULL REFERENCES categories(code),
    PRIMARY KEY (department, category)
);
CREATE INDEX department_duties_category ON department_duties(category);
