-- Every derived image names the exact source version it was made from, so one made from bytes
-- that were since replaced, rejected or deleted can be told apart (and dropped).
ALTER TABLE "renditions" ADD COLUMN     "source_bucket" TEXT,
ADD COLUMN     "source_e_tag" TEXT,
ADD COLUMN     "source_key" TEXT;

-- Rows made before this: the served original is the best-known source (a `thumb` re-encoded
-- from a client thumbnail keeps the upload original as source, which stays valid as long
-- as the image does).
UPDATE "renditions" r SET "source_bucket" = i."bucket", "source_key" = i."key", "source_e_tag" = i."e_tag"
FROM "images" i WHERE i."upload_id" = r."upload_id";

-- A `thumb` of an upload whose original is not verified yet came from the client thumbnail.
UPDATE "renditions" r SET "source_bucket" = s."bucket", "source_key" = s."key", "source_e_tag" = s."e_tag"
FROM "stored_objects" s
WHERE r."source_key" IS NULL AND s."upload_id" = r."upload_id" AND s."role" = 'THUMBNAIL' AND s."accepted";

-- Anything else has no valid source (its row would never be served by a READY image), its
-- object stays under the user renditions prefix, where deletion and erasure find it.
DELETE FROM "renditions" WHERE "source_key" IS NULL;

ALTER TABLE "renditions" ALTER COLUMN "source_bucket" SET NOT NULL,
ALTER COLUMN "source_e_tag" SET NOT NULL,
ALTER COLUMN "source_key" SET NOT NULL;
