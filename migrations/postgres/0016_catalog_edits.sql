-- Edits of the shipped organisation data through the API: a minor
-- category's deadline (PATCH /categories/{code}) and a department's duty
-- list (PUT /departments/{code}/duties). A later load of a changed
-- data/categories.json or data/departments.json keeps what an
-- administrator edited (src/domain/category.h, department.h): the
-- *_edited_at column marks an edit, and the default_* columns keep what the
-- data file says (for a department added through the API: the duties it
-- was created with), so that an edit can be undone and the console can
-- show both. version counts every change of the row, for If-Match.
ALTER TABLE categories ADD COLUMN default_deadline BIGINT;
ALTER TABLE categories ADD COLUMN default_deadline_unit TEXT
    CHECK (default_deadline_unit IN ('working_days', 'working_hours'));
ALTER TABLE categories ADD COLUMN deadline_edited_at BIGINT;
ALTER TABLE categories ADD COLUMN deadline_edited_by BIGINT REFERENCES users(id);
ALTER TABLE categories ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
UPDATE categories SET default_deadline = deadline, default_deadline_unit = deadline_unit;

-- default_duties: minor category codes joined by ','; '' for none.
ALTER TABLE departments ADD COLUMN default_duties TEXT NOT NULL DEFAULT '';
ALTER TABLE departments ADD COLUMN duties_edited_at BIGINT;
ALTER TABLE departments ADD COLUMN duties_edited_by BIGINT REFERENCES users(id);
ALTER TABLE departments ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
UPDATE departments SET default_duties = coalesce(
    (SELECT string_agg(category, ',' ORDER BY category) FROM department_duties dd
     WHERE dd.department = departments.code), '');
