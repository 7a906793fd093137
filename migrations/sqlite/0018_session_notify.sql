-- Nothing on SQLite: a server's memo of sessions lasts only as long as the
-- read snapshot it was taken in (src/http/auth.c), and every commit, this
-- process's or another's, ends that snapshot. PostgreSQL's servers are
-- told of changes instead (postgres/0018_session_notify.sql).
SELECT 1;
