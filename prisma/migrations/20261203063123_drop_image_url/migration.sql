-- AlterTable
ALTER TABLE "images" DROP COLUMN "url";

