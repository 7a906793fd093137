-- Accounts, sessions and sign-in failures. An account's scope_key is the
-- region or grid code it acts within (see src/domain/scope.h); roles is a
-- bit set of src/domain/role.h.
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    phone               TEXT,
    scope_key           TEXT NOT NULL,
    department          TEXT,
    roles               INTEGER NOT NULL DEFAULT 0,
    active              INTEGER NOT NULL DEFAULT 1,
    password_hash       TEXT NOT NULL,
    password_changed_at INTEGER NOT NULL,
    must_change         INTEGER NOT NULL DEFAULT 0,
    totp_secret         TEXT,
    totp_enabled        INTEGER NOT NULL DEFAULT 0,
    totp_last_step      INTEGER NOT NULL DEFAULT 0,
    last_login_at       INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX users_scope ON users(scope_key, id);

-- Earlier password hashes of an account; id orders them (two changes may
-- share a millisecond).
CREATE TABLE password_history (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    hash       TEXT NOT NULL,
    changed_at INTEGER NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);

CREATE TABLE recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at   INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

-- Tokens are stored only as SHA-256 hashes. state: 0 full, 1 must change
-- the password first, 2 must enrol a second factor first.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    csrf_token   TEXT NOT NULL,
    state        INTEGER NOT NULL DEFAULT 0,
    address      TEXT,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Failed sign-ins by the username typed, whether or not it exists, so that
-- lockout behaves the same for both and reveals nothing.
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX login_failures_user ON login_failures(username, at);
-- Old failures are purged by time.
CREATE INDEX login_failures_at ON login_failures(at);
