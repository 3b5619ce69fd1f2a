-- A page of one category or thématique, in name order, from one index:
-- each tag row carries its action's name, status and end date, written with
-- the row (store::catalogue, the generator) and kept in step by the trigger
-- below. Before, positioning joined each category's 400 to 500 tags to the
-- actions and sorted them all to keep the first 30 (0.4–0.5 ms a category
-- on PostgreSQL at 5 000 actions, docs/PERFORMANCE.md). The new index also
-- answers what action_tags_code did. Kept in step with
-- ../postgres/0014_action_tag_pages.sql (checked by a test).

ALTER TABLE action_tags ADD COLUMN status TEXT;
ALTER TABLE action_tags ADD COLUMN name TEXT;
ALTER TABLE action_tags ADD COLUMN ends_on TEXT;

UPDATE action_tags SET status = a.status, name = a.name, ends_on = a.ends_on
FROM actions a WHERE a.id = action_tags.action_id;

DROP INDEX action_tags_code;
CREATE INDEX action_tags_page ON action_tags (kind, code, status, name, action_id, ends_on);

CREATE TRIGGER action_tags_follow
AFTER UPDATE OF name, status, ends_on ON actions
FOR EACH ROW WHEN OLD.name IS NOT NEW.name OR OLD.status IS NOT NEW.status
    OR OLD.ends_on IS NOT NEW.ends_on
BEGIN
    UPDATE action_tags SET status = NEW.status, name = NEW.name, ends_on = NEW.ends_on
    WHERE action_id = NEW.id;
END;
