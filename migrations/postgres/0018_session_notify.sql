-- A server keeps a memo of the sessions it looked up (src/http/auth.c)
-- and must drop it when a session, or the account a session rests on,
-- changes elsewhere: on another node, by a CLI command, by SQL run by hand.
-- These triggers NOTIFY the channel wangge_sessions on every change to a
-- column a session lookup reads (wg_session_lookup, src/domain/session.c);
-- every server listens on a connection of its own (src/store/pg_watch.c).
-- Marking a session used (last_seen_at moving forward) is not such a
-- change: a memo never stands in for a lookup that would mark it, and a
-- later last use only makes a session live longer; moving it back is. The payload, the schema, only
-- lets tests that share a database tell their notifications apart.
CREATE OR REPLACE FUNCTION sessions_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('wangge_sessions', current_schema());
    RETURN NULL;
END
$$;
CREATE TRIGGER sessions_notify
    AFTER UPDATE OF token_hash, user_id, csrf_token, state, created_at, revoked_at OR DELETE OR TRUNCATE
    ON sessions FOR EACH STATEMENT EXECUTE FUNCTION sessions_notify();
CREATE TRIGGER sessions_aged
    AFTER UPDATE OF last_seen_at ON sessions FOR EACH ROW
    WHEN (NEW.last_seen_at < OLD.last_seen_at) EXECUTE FUNCTION sessions_notify();
CREATE TRIGGER users_notify
    AFTER UPDATE OF username, scope_key, department, roles, active OR DELETE OR TRUNCATE
    ON users FOR EACH STATEMENT EXECUTE FUNCTION sessions_notify();
