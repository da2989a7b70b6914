-- Written by hand: Prisma's schema has no notion of triggers, so `prisma migrate diff` cannot
-- author this (and ignores it when diffing later migrations).
--
-- Every change of an upload's status, and its deletion, is announced on the `upload_status`
-- channel with the upload id as payload, so API processes holding a long-poll
-- (GET /v1/uploads/:id?wait=N) answer as soon as the worker's verdict (or the sweep's EXPIRED)
-- is committed. A trigger rather than a NOTIFY in each writing statement: the worker's verdict
-- CTE, the sweep and the erasure all change uploads, and none of them can forget it.
-- NOTIFY is transactional: it is delivered at commit, never for a rolled-back verdict.
--
-- The function body is an E'' string with every semicolon written as its octal escape \073,
-- and no comment here holds one: the offline driver adapter (`@prisma/adapter-pg` under
-- `prisma migrate deploy`) splits a migration at every semicolon, dollar quotes included.
CREATE FUNCTION "notify_upload_status"() RETURNS trigger
LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP = ''DELETE'' THEN
    PERFORM pg_notify(''upload_status'', OLD.id::text)\073
  ELSE
    PERFORM pg_notify(''upload_status'', NEW.id::text)\073
  END IF\073
  RETURN NULL\073
END';

CREATE TRIGGER "uploads_status_notify"
AFTER UPDATE OF "status" ON "uploads"
FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status")
EXECUTE FUNCTION "notify_upload_status"();

CREATE TRIGGER "uploads_deleted_notify"
AFTER DELETE ON "uploads"
FOR EACH ROW
EXECUTE FUNCTION "notify_upload_status"();
