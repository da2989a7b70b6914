-- AlterTable
ALTER TABLE "erasure_requests" ADD COLUMN     "cdn_invalidated_at" TIMESTAMPTZ(3),
ADD COLUMN     "user_key" TEXT;

-- CreateTable
CREATE TABLE "cdn_invalidations" (
    "id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "erasure_id" UUID,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "invalidation_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "invalidated_at" TIMESTAMPTZ(3),

    CONSTRAINT "cdn_invalidations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "cdn_invalidations_invalidated_at_next_attempt_at_idx" ON "cdn_invalidations"("invalidated_at", "next_attempt_at");

-- CreateIndex
CREATE INDEX "cdn_invalidations_erasure_id_idx" ON "cdn_invalidations"("erasure_id");

-- CreateIndex
CREATE INDEX "erasure_requests_user_key_idx" ON "erasure_requests"("user_key");

