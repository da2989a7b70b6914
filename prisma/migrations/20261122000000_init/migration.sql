-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "UploadStatus" AS ENUM ('PENDING', 'PROCESSING', 'READY', 'REJECTED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "ObjectRole" AS ENUM ('ORIGINAL', 'THUMBNAIL');

-- CreateTable
CREATE TABLE "uploads" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "filename" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "checksum_sha256" TEXT,
    "original_key" TEXT NOT NULL,
    "thumbnail_key" TEXT,
    "thumbnail_content_type" TEXT,
    "thumbnail_size" INTEGER,
    "status" "UploadStatus" NOT NULL DEFAULT 'PENDING',
    "rejection_code" TEXT,
    "rejection_detail" TEXT,
    "idempotency_key" TEXT,
    "request_hash" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "uploads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "images" (
    "id" UUID NOT NULL,
    "upload_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "bucket" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "bytes" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "e_tag" TEXT NOT NULL,
    "sequencer" TEXT NOT NULL,
    "sha256" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "images_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stored_objects" (
    "bucket" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "upload_id" UUID,
    "role" "ObjectRole" NOT NULL,
    "sequencer" TEXT NOT NULL,
    "e_tag" TEXT NOT NULL,
    "bytes" INTEGER NOT NULL,
    "content_type" TEXT,
    "width" INTEGER,
    "height" INTEGER,
    "accepted" BOOLEAN NOT NULL,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stored_objects_pkey" PRIMARY KEY ("bucket","key")
);

-- CreateIndex
CREATE INDEX "uploads_user_id_status_idx" ON "uploads"("user_id", "status");

-- CreateIndex
CREATE INDEX "uploads_status_expires_at_idx" ON "uploads"("status", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "uploads_user_id_idempotency_key_key" ON "uploads"("user_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "images_upload_id_key" ON "images"("upload_id");

-- CreateIndex
CREATE INDEX "images_user_id_created_at_id_idx" ON "images"("user_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "images_bucket_key_key" ON "images"("bucket", "key");

-- CreateIndex
CREATE INDEX "stored_objects_upload_id_idx" ON "stored_objects"("upload_id");

-- AddForeignKey
ALTER TABLE "images" ADD CONSTRAINT "images_upload_id_fkey" FOREIGN KEY ("upload_id") REFERENCES "uploads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stored_objects" ADD CONSTRAINT "stored_objects_upload_id_fkey" FOREIGN KEY ("upload_id") REFERENCES "uploads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

