-- A department that loses a case (returned it, or the case was escalated or
-- dispatched elsewhere) keeps reading it and its attachments, as work it
-- took part in, but is no longer among its handlers: its row stays with
-- the time it was released. NULL: the department is on the case now.
ALTER TABLE case_departments ADD COLUMN released_at INTEGER;
