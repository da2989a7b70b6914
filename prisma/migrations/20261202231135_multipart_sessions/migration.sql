-- AlterTable
ALTER TABLE "uploads" ADD COLUMN     "multipart_closed_at" TIMESTAMPTZ(3),
ADD COLUMN     "multipart_part_count" INTEGER,
ADD COLUMN     "multipart_part_size" INTEGER,
ADD COLUMN     "multipart_upload_id" TEXT;

-- CreateIndex
CREATE INDEX "uploads_multipart_upload_id_idx" ON "uploads"("multipart_upload_id");

