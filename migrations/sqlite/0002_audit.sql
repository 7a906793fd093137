-- The audit trail (安全审计): one row per login, permission change, unmask,
-- export and case action. Each row carries the hash of the row before it
-- and its own hash over its content (src/domain/audit.c), so that editing
-- or deleting a row breaks the chain, which `wangge check` verifies.
-- actor_id is the account's id without a foreign key: the trail outlives
-- the accounts it names. actor_roles is NULL for the system.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at_ms       INTEGER NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT NOT NULL,
    actor_roles TEXT,
    address     TEXT,
    action      TEXT NOT NULL,
    object_type TEXT,
    object_id   TEXT,
    result      TEXT NOT NULL CHECK (result IN ('ok', 'denied', 'failed')),
    detail      TEXT,
    alg         TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    -- Two rows chained to one predecessor would fork the chain: refused.
    UNIQUE (prev_hash)
);
CREATE INDEX audit_log_actor ON audit_log(actor_name, id);
CREATE INDEX audit_log_action ON audit_log(action, id);
CREATE INDEX audit_log_at ON audit_log(at_ms);

-- Append-only in the database too. Someone with write access to the file
-- can drop these triggers; the hash chain is what catches that.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
