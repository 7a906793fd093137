-- Settings changed while serving (PUT /api/v1/settings/{name}): they win
-- over the configuration file, the environment and flags from then on.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT
);
