-- AlterTable
ALTER TABLE "uploads" ADD COLUMN     "renditions_claimed_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "renditions" (
    "upload_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "bucket" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "bytes" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "renditions_pkey" PRIMARY KEY ("upload_id","name")
);

-- AddForeignKey
ALTER TABLE "renditions" ADD CONSTRAINT "renditions_upload_id_fkey" FOREIGN KEY ("upload_id") REFERENCES "uploads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

