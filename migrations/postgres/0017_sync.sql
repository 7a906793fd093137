-- What a server keeps in memory from the database is read again when
-- something else changed it: another node on PostgreSQL, a CLI command on
-- either store. The grid index (grids' boundaries), the holiday calendar's
-- edited years and the live settings each have a counter here that every
-- change of their table moves (triggers, so that no writer can forget);
-- each server's sync job (src/jobs/sync.c) polls the counters.
CREATE TABLE sync_generations (
    name       TEXT PRIMARY KEY CHECK (name IN ('grids', 'calendar', 'settings')),
    generation BIGINT NOT NULL
);
INSERT INTO sync_generations (name, generation) VALUES ('grids', 0), ('calendar', 0), ('settings', 0);

-- Once per statement: an import of a thousand grids moves the counter once.
CREATE OR REPLACE FUNCTION sync_generation_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sync_generations SET generation = generation + 1 WHERE name = TG_ARGV[0];
    RETURN NULL;
END
$$;
CREATE TRIGGER grids_sync AFTER INSERT OR DELETE OR UPDATE OF boundary ON grids
    FOR EACH STATEMENT EXECUTE FUNCTION sync_generation_bump('grids');
CREATE TRIGGER calendar_sync AFTER INSERT OR UPDATE OR DELETE ON calendar_years
    FOR EACH STATEMENT EXECUTE FUNCTION sync_generation_bump('calendar');
CREATE TRIGGER settings_sync AFTER INSERT OR UPDATE OR DELETE ON settings
    FOR EACH STATEMENT EXECUTE FUNCTION sync_generation_bump('settings');
