-- What a server keeps in memory from the database is read again when
-- something else changed it: another node on PostgreSQL, a CLI command on
-- either store. The grid index (grids' boundaries), the holiday calendar's
-- edited years and the live settings each have a counter here that every
-- change of their table moves (triggers, so that no writer can forget);
-- each server's sync job (src/jobs/sync.c) polls the counters.
CREATE TABLE sync_generations (
    name       TEXT PRIMARY KEY CHECK (name IN ('grids', 'calendar', 'settings')),
    generation INTEGER NOT NULL
);
INSERT INTO sync_generations (name, generation) VALUES ('grids', 0), ('calendar', 0), ('settings', 0);

CREATE TRIGGER grids_sync_insert AFTER INSERT ON grids
BEGIN
    UPDATE sync_generations SET generation = generation + 1 WHERE name = 'grids';
END;
CREATE TRIGGER grids_sync_update AFTER UPDATE OF boundary ON grids
BEGIN
    UPDATE sync_generations SET generation = generation + 1 WHERE name = 'grids';
END;
CREATE TRIGGER grids_sync_delete AFTER DELETE ON grids
BEGIN
    UPDATE sync_generations SET generation = generation + 1 WHERE name = 'grids';
END;
CREATE TRIGGER calendar_sync_insert AFTER INSERT ON calendar_years
BEGIN
    UPDATE sync_generations SET generation = generation + 1 WHERE name = 'calendar';
END;
CREATE TRIGGER calendar_sync_update AFTER UPDATE ON calendar_years
BEGIN
    UPDATE sync_generations SET generation = generation + 1 WHERE name = 'calendar';
END;
CREATE TRIGGER calendar_sync_delete AFTER DELETE ON calendar_years
BEGIN
    UPDATE sync_generations SET generation = generation + 1 WHERE name = 'calendar';
END;
CREATE TRIGGER settings_sync_insert AFTER INSERT ON settings
BEGIN
    UPDATE sync_generations SET generation = generation + 1 WHERE name = 'settings';
END;
CREATE TRIGGER settings_sync_update AFTER UPDATE ON settings
BEGIN
    UPDATE sync_generations SET generation = generation + 1 WHERE name = 'settings';
END;
CREATE TRIGGER settings_sync_delete AFTER DELETE ON settings
BEGIN
    UPDATE sync_generations SET generation = generation + 1 WHERE name = 'settings';
END;
