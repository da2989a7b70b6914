-- AlterTable
ALTER TABLE "uploads" ADD COLUMN     "thumbnail_checksum_sha256" TEXT;

