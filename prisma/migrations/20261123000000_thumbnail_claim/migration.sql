-- AlterTable
ALTER TABLE "uploads" ADD COLUMN     "thumbnail_claimed_at" TIMESTAMPTZ(3);

