-- CreateTable
CREATE TABLE "dlq_alert_states" (
    "queue" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3),
    "last_alert_at" TIMESTAMPTZ(3),
    "last_alert_depth" INTEGER NOT NULL DEFAULT 0,
    "last_depth" INTEGER NOT NULL DEFAULT 0,
    "peak_depth" INTEGER NOT NULL DEFAULT 0,
    "changed_at" TIMESTAMPTZ(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "dlq_alert_states_pkey" PRIMARY KEY ("queue")
);

