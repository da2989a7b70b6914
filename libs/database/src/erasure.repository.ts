import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ErasureStateName, ErasureStatus } from '@lib/contracts';
import { Prisma } from './prisma-client';
import { AuditRepository } from './audit.repository';
import { notHeldBack } from './background-failure.repository';
import { PrismaService } from './prisma.service';
import { invalidationRows } from './cdn-invalidation.repository';
import { withDb } from './prisma-error';

export interface ErasureRecord extends Omit<
  ErasureStatus,
  'createdAt' | 'startedAt' | 'finishedAt' | 'cdnInvalidatedAt'
> {
  userId: string | null;
  userIdHash: string;
  userKey: string | null;
  targetIndex: number;
  continuationToken: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  cdnInvalidatedAt: Date | null;
}

/** A request this worker holds; `leaseOwner` guards every write it makes. */
export interface ClaimedErasure extends ErasureRecord {
  userId: string;
  leaseOwner: string;
}

export interface ObjectCheckpoint {
  targetIndex: number;
  continuationToken: string | null;
  objectsDeletedDelta: number;
}

interface ErasureRow {
  id: string;
  user_id: string | null;
  user_id_hash: string;
  user_key: string | null;
  requested_by: string;
  state: ErasureStateName;
  phase: string;
  target_index: number;
  continuation_token: string | null;
  objects_deleted: number;
  rows_deleted: number;
  failed_keys: number;
  failure_reason: string | null;
  lease_owner: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  cdn_invalidated_at: Date | null;
}

const OPEN_STATES = `('REQUESTED', 'RUNNING', 'FAILED')`;

/**
 * Erasure requests and the batched deletion of a user's rows. Every write of a running
 * request is conditional on its lease, so a worker that lost it (paused, partitioned) stops
 * at its next checkpoint instead of fighting the one that took over.
 */
@Injectable()
export class ErasureRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditRepository,
  ) {}

  /**
   * Opens a request, or answers the user's existing one in any state (a repeated click, a retry,
   * or a request after completion must neither start a second run nor store the clear id again).
   * `created` says which. Also writes the audit row. An erased user can create nothing new, so a
   * completed request stays the answer.
   */
  async request(
    user: { userId: string; userIdHash: string; userKey: string },
    requestedBy: string,
  ): Promise<{ record: ErasureRecord; created: boolean }> {
    return withDb(async () => {
      const inserted = await this.prisma.$queryRawUnsafe<ErasureRow[]>(
        `INSERT INTO erasure_requests (id, user_id, user_id_hash, user_key, requested_by)
         SELECT $1::uuid, $2, $3, $4, $5
         WHERE NOT EXISTS (SELECT 1 FROM erasure_requests WHERE user_id_hash = $3)
         ON CONFLICT (user_id_hash) WHERE state IN ${OPEN_STATES} DO NOTHING
         RETURNING *`,
        randomUUID(),
        user.userId,
        user.userIdHash,
        user.userKey,
        requestedBy,
      );
      if (inserted[0]) {
        await this.audit.record({
          actor: requestedBy,
          action: 'erasure.requested',
          target: inserted[0].id,
          count: 0,
          detail: {},
        });
        return { record: toRecord(inserted[0]), created: true };
      }
      const existing = await this.prisma.$queryRawUnsafe<ErasureRow[]>(
        `SELECT * FROM erasure_requests WHERE user_id_hash = $1 ORDER BY created_at DESC LIMIT 1`,
        user.userIdHash,
      );
      if (!existing[0]) throw new Error('erasure request vanished between insert and select');
      return { record: toRecord(existing[0]), created: false };
    });
  }

  async findById(id: string): Promise<ErasureRecord | null> {
    const rows = await withDb(
      () => this.prisma.$queryRaw<ErasureRow[]>`SELECT * FROM erasure_requests WHERE id = ${id}::uuid`,
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The user's newest request, found by the hash so it still answers after completion. */
  async findLatestForUser(userIdHash: string): Promise<ErasureRecord | null> {
    const rows = await withDb(
      () => this.prisma.$queryRaw<ErasureRow[]>`
        SELECT * FROM erasure_requests WHERE user_id_hash = ${userIdHash} ORDER BY created_at DESC LIMIT 1`,
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** True from the moment a request exists, in any state: the user is gone or going. */
  async isErased(userIdHash: string): Promise<boolean> {
    const rows = await withDb(
      () => this.prisma.$queryRaw<{ one: number }[]>`
        SELECT 1 AS one FROM erasure_requests WHERE user_id_hash = ${userIdHash} LIMIT 1`,
    );
    return rows.length > 0;
  }

  /** Whether the pseudonym an object key is under belongs to a user being or already erased. */
  async isErasedUserKey(userKey: string): Promise<boolean> {
    const rows = await withDb(
      () => this.prisma.$queryRaw<{ one: number }[]>`
        SELECT 1 AS one FROM erasure_requests WHERE user_key = ${userKey} LIMIT 1`,
    );
    return rows.length > 0;
  }

  /**
   * Takes one request to run: a new one, or a RUNNING one whose worker let go (graceful
   * stop) or went silent for longer than the lease (crash, SIGKILL, lost network).
   */
  async claim(leaseSeconds: number): Promise<ClaimedErasure | null> {
    const owner = randomUUID();
    const rows = await withDb(
      () => this.prisma.$queryRaw<ErasureRow[]>`
        UPDATE erasure_requests SET
          state = 'RUNNING', lease_owner = ${owner}::uuid, claimed_at = now(),
          started_at = coalesce(started_at, now()), updated_at = now()
        WHERE id = (
          SELECT id FROM erasure_requests
          WHERE user_id IS NOT NULL AND (
            state = 'REQUESTED'
            OR (state = 'RUNNING' AND (lease_owner IS NULL OR claimed_at < now() - make_interval(secs => ${leaseSeconds})))
          ) AND ${notHeldBack('erasure', Prisma.sql`id`)}
          ORDER BY created_at
          LIMIT 1
          FOR UPDATE SKIP LOCKED
        )
        RETURNING *`,
    );
    const row = rows[0];
    if (!row || row.user_id === null) return null;
    return { ...toRecord(row), userId: row.user_id, leaseOwner: owner };
  }

  /** Records an S3 page as done and renews the lease; false when the lease was lost. */
  async checkpointObjects(claim: ClaimedErasure, checkpoint: ObjectCheckpoint): Promise<boolean> {
    const changed = await withDb(
      () => this.prisma.$executeRaw`
        UPDATE erasure_requests SET
          target_index = ${checkpoint.targetIndex}, continuation_token = ${checkpoint.continuationToken},
          objects_deleted = objects_deleted + ${checkpoint.objectsDeletedDelta},
          claimed_at = now(), updated_at = now()
        WHERE ${leaseHeld(claim)}`,
    );
    return changed > 0;
  }

  async enterPhase(claim: ClaimedErasure, phase: 'rows'): Promise<boolean> {
    const changed = await withDb(
      () => this.prisma.$executeRaw`
        UPDATE erasure_requests SET phase = ${phase}, continuation_token = NULL, claimed_at = now(), updated_at = now()
        WHERE ${leaseHeld(claim)}`,
    );
    return changed > 0;
  }

  /**
   * Deletes up to `limit` of the user's uploads with everything hanging off them, and counts
   * them into the request, in one statement (so one transaction: the count never drifts from
   * what was deleted). Returns how many rows went; 0 means none are left. `held` is false
   * when the lease was lost (the rows are deleted anyway: deleting them is never wrong).
   */
  async deleteRowBatch(claim: ClaimedErasure, limit: number): Promise<{ deleted: number; held: boolean }> {
    const rows = await withDb(
      () => this.prisma.$queryRaw<{ deleted: number; held: number }[]>`
        WITH batch AS (
          SELECT id FROM uploads WHERE user_id = ${claim.userId} LIMIT ${limit} FOR UPDATE
        ), r AS (
          DELETE FROM renditions WHERE upload_id IN (SELECT id FROM batch) RETURNING 1
        ), s AS (
          DELETE FROM stored_objects WHERE upload_id IN (SELECT id FROM batch) RETURNING 1
        ), i AS (
          DELETE FROM images WHERE upload_id IN (SELECT id FROM batch) RETURNING 1
        ), u AS (
          DELETE FROM uploads WHERE id IN (SELECT id FROM batch) RETURNING 1
        ), n AS (
          SELECT (SELECT count(*) FROM r) + (SELECT count(*) FROM s) + (SELECT count(*) FROM i) + (SELECT count(*) FROM u) AS n
        ), c AS (
          UPDATE erasure_requests SET rows_deleted = rows_deleted + (SELECT n FROM n), claimed_at = now(), updated_at = now()
          WHERE ${leaseHeld(claim)}
          RETURNING 1
        )
        SELECT (SELECT n FROM n)::int AS deleted, (SELECT count(*) FROM c)::int AS held`,
    );
    return { deleted: rows[0]?.deleted ?? 0, held: (rows[0]?.held ?? 0) > 0 };
  }

  /**
   * The worker's records of objects no upload claimed (rejected as unknown) whose keys sit
   * under the user's prefixes: they name the user in the key, so they go too.
   */
  async deleteStrayObjectRows(
    claim: ClaimedErasure,
    prefixes: string[],
    limit: number,
  ): Promise<{ deleted: number; held: boolean }> {
    const rows = await withDb(
      () => this.prisma.$queryRaw<{ deleted: number; held: number }[]>`
        WITH batch AS (
          SELECT bucket, key FROM stored_objects
          WHERE upload_id IS NULL AND EXISTS (SELECT 1 FROM unnest(${prefixes}::text[]) p WHERE starts_with(key, p))
          LIMIT ${limit} FOR UPDATE
        ), d AS (
          DELETE FROM stored_objects s USING batch b WHERE s.bucket = b.bucket AND s.key = b.key RETURNING 1
        ), c AS (
          UPDATE erasure_requests SET rows_deleted = rows_deleted + (SELECT count(*) FROM d), claimed_at = now(), updated_at = now()
          WHERE ${leaseHeld(claim)}
          RETURNING 1
        )
        SELECT (SELECT count(*) FROM d)::int AS deleted, (SELECT count(*) FROM c)::int AS held`,
    );
    return { deleted: rows[0]?.deleted ?? 0, held: (rows[0]?.held ?? 0) > 0 };
  }

  /**
   * Done: the clear user id and the S3 cursor (whose keys name the user) are cleared in the
   * same transaction as the audit row, so the proof and the forgetting happen together. Wherever
   * the audit trail (or another erasure request) names the user as actor, the name becomes the
   * pseudonym `erased:<hash>`, so the trail keeps its shape without the person.
   */
  async complete(claim: ClaimedErasure, cdnPaths: string[] = []): Promise<boolean> {
    const pseudonym = erasedActor(claim.userIdHash);
    return withDb(() =>
      this.prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<ErasureRow[]>`
          UPDATE erasure_requests SET
            state = 'COMPLETED', phase = 'done', user_id = NULL, continuation_token = NULL,
            requested_by = CASE WHEN requested_by = ${claim.userId} THEN ${pseudonym} ELSE requested_by END,
            lease_owner = NULL, finished_at = now(), updated_at = now()
          WHERE ${leaseHeld(claim)}
          RETURNING *`;
        const row = rows[0];
        if (!row) return false;
        await tx.$executeRaw`
          UPDATE erasure_requests SET requested_by = ${pseudonym} WHERE requested_by = ${claim.userId}`;
        // JSON string values equal to the id are replaced too (an admin's detail naming them).
        await tx.$executeRaw`
          UPDATE audit_events SET
            actor = CASE WHEN actor = ${claim.userId} THEN ${pseudonym} ELSE actor END,
            detail = replace(detail::text, to_json(${claim.userId}::text)::text, to_json(${pseudonym}::text)::text)::jsonb
          WHERE actor = ${claim.userId} OR strpos(detail::text, to_json(${claim.userId}::text)::text) > 0`;
        await this.audit.record(
          {
            actor: row.requested_by,
            action: 'erasure.completed',
            target: row.id,
            count: row.objects_deleted + row.rows_deleted,
            detail: auditDetail(row),
          },
          tx,
        );
        // The CDN's copies go too; the worker stamps cdn_invalidated_at once they are invalidated.
        await tx.cdnInvalidation.createMany({ data: invalidationRows(cdnPaths, row.id) });
        return true;
      }),
    );
  }

  /** Keys that kept failing: stop, keep the checkpoint (a resume retries from there). */
  async fail(claim: ClaimedErasure, failedKeys: number, reason: string): Promise<boolean> {
    const rows = await withDb(
      () => this.prisma.$queryRaw<ErasureRow[]>`
        UPDATE erasure_requests SET
          state = 'FAILED', failed_keys = ${failedKeys}, failure_reason = ${reason},
          lease_owner = NULL, finished_at = now(), updated_at = now()
        WHERE ${leaseHeld(claim)}
        RETURNING *`,
    );
    if (!rows[0]) return false;
    await this.audit.record({
      actor: rows[0].requested_by,
      action: 'erasure.failed',
      target: rows[0].id,
      count: failedKeys,
      detail: auditDetail(rows[0]),
    });
    return true;
  }

  /** A graceful stop hands the request back at once instead of waiting out the lease. */
  async release(claim: ClaimedErasure): Promise<void> {
    await withDb(
      () => this.prisma.$executeRaw`
        UPDATE erasure_requests SET lease_owner = NULL, updated_at = now()
        WHERE ${leaseHeld(claim)}`,
    );
  }

  /** FAILED back to REQUESTED, from its checkpoint. False when it was not FAILED. */
  async resume(id: string, actor: string): Promise<boolean> {
    const changed = await withDb(
      () => this.prisma.$executeRaw`
        UPDATE erasure_requests SET
          state = 'REQUESTED', failed_keys = 0, failure_reason = NULL, finished_at = NULL, updated_at = now()
        WHERE id = ${id}::uuid AND state = 'FAILED'`,
    );
    if (changed > 0) await this.audit.record({ actor, action: 'erasure.resumed', target: id, count: 0, detail: {} });
    return changed > 0;
  }
}

/**
 * The condition of every write to a running request: this worker still holds its lease. A
 * worker that lost it (paused, partitioned) then changes nothing and stops at its checkpoint.
 */
function leaseHeld(claim: ClaimedErasure): Prisma.Sql {
  return Prisma.sql`id = ${claim.id}::uuid AND lease_owner = ${claim.leaseOwner}::uuid AND state = 'RUNNING'`;
}

/** How the audit trail names a user once they are erased. */
export function erasedActor(userIdHash: string): string {
  return `erased:${userIdHash}`;
}

/** Counts and times only: the audit trail must hold no personal data. */
function auditDetail(row: ErasureRow): Record<string, unknown> {
  return {
    userIdHash: row.user_id_hash,
    objectsDeleted: row.objects_deleted,
    rowsDeleted: row.rows_deleted,
    failedKeys: row.failed_keys,
    failureReason: row.failure_reason,
    requestedAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

function toRecord(row: ErasureRow): ErasureRecord {
  return {
    id: row.id,
    userId: row.user_id,
    userIdHash: row.user_id_hash,
    userKey: row.user_key,
    requestedBy: row.requested_by,
    state: row.state,
    phase: row.phase,
    targetIndex: row.target_index,
    continuationToken: row.continuation_token,
    objectsDeleted: row.objects_deleted,
    rowsDeleted: row.rows_deleted,
    failedKeys: row.failed_keys,
    failureReason: row.failure_reason,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    cdnInvalidatedAt: row.cdn_invalidated_at,
  };
}

/** The public view: no user id, no cursor. */
export function toErasureStatus(record: ErasureRecord): ErasureStatus {
  return {
    id: record.id,
    state: record.state,
    phase: record.phase,
    requestedBy: record.requestedBy,
    objectsDeleted: record.objectsDeleted,
    rowsDeleted: record.rowsDeleted,
    failedKeys: record.failedKeys,
    failureReason: record.failureReason,
    createdAt: record.createdAt.toISOString(),
    startedAt: record.startedAt?.toISOString() ?? null,
    finishedAt: record.finishedAt?.toISOString() ?? null,
    cdnInvalidatedAt: record.cdnInvalidatedAt?.toISOString() ?? null,
  };
}
