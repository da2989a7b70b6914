-- CreateEnum
CREATE TYPE "ErasureState" AS ENUM ('REQUESTED', 'RUNNING', 'COMPLETED', 'FAILED');

-- CreateTable
CREATE TABLE "erasure_requests" (
    "id" UUID NOT NULL,
    "user_id" TEXT,
    "user_id_hash" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "state" "ErasureState" NOT NULL DEFAULT 'REQUESTED',
    "phase" TEXT NOT NULL DEFAULT 'objects',
    "target_index" INTEGER NOT NULL DEFAULT 0,
    "continuation_token" TEXT,
    "objects_deleted" INTEGER NOT NULL DEFAULT 0,
    "rows_deleted" INTEGER NOT NULL DEFAULT 0,
    "failed_keys" INTEGER NOT NULL DEFAULT 0,
    "failure_reason" TEXT,
    "lease_owner" UUID,
    "claimed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "erasure_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "erasure_requests_user_id_hash_idx" ON "erasure_requests"("user_id_hash");

-- CreateIndex
CREATE INDEX "erasure_requests_state_claimed_at_idx" ON "erasure_requests"("state", "claimed_at");


-- At most one unfinished request per user (a FAILED one is resumed, not duplicated);
-- Prisma cannot express a partial unique index.
CREATE UNIQUE INDEX "erasure_requests_open_user_key" ON "erasure_requests"("user_id_hash") WHERE "state" IN ('REQUESTED', 'RUNNING', 'FAILED');
