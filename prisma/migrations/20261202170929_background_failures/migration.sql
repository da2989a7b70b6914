-- CreateTable
CREATE TABLE "background_failures" (
    "pass" TEXT NOT NULL,
    "item_id" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "last_error" TEXT NOT NULL,
    "retry_at" TIMESTAMPTZ(3) NOT NULL,
    "failed_at" TIMESTAMPTZ(3),
    "first_failed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "background_failures_pkey" PRIMARY KEY ("pass","item_id")
);

-- CreateIndex
CREATE INDEX "background_failures_failed_at_updated_at_idx" ON "background_failures"("failed_at", "updated_at" DESC);

