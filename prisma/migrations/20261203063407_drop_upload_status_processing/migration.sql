-- PROCESSING was never set by anything: the worker's verdict takes an upload from PENDING
-- straight to READY or REJECTED. Authored by `npm run db:migration`, then edited by hand: the
-- status-notify trigger (20261202230500_upload_status_notify) is declared on the column
-- (UPDATE OF "status", WHEN on OLD/NEW "status"), and PostgreSQL refuses to change the type
-- of a column a trigger definition uses, so the trigger is dropped around the change and made
-- again exactly as before.

-- AlterEnum
BEGIN;
DROP TRIGGER "uploads_status_notify" ON "uploads";
CREATE TYPE "UploadStatus_new" AS ENUM ('PENDING', 'READY', 'REJECTED', 'EXPIRED');
ALTER TABLE "uploads" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "uploads" ALTER COLUMN "status" TYPE "UploadStatus_new" USING ("status"::text::"UploadStatus_new");
ALTER TYPE "UploadStatus" RENAME TO "UploadStatus_old";
ALTER TYPE "UploadStatus_new" RENAME TO "UploadStatus";
DROP TYPE "UploadStatus_old";
ALTER TABLE "uploads" ALTER COLUMN "status" SET DEFAULT 'PENDING';
CREATE TRIGGER "uploads_status_notify"
AFTER UPDATE OF "status" ON "uploads"
FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status")
EXECUTE FUNCTION "notify_upload_status"();
COMMIT;
