import { randomUUID } from 'node:crypto';
import { useIsolatedDatabase } from '../../../../test/support/database';
import { runErasureCli } from './erasure.command';

describe('erasure CLI (real database)', () => {
  // The workers of concurrently running e2e files would claim (and run) requests made here.
  const db = useIsolatedDatabase('erasure_cli');

  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runErasureCli(argv, {
      env: { ...process.env, DATABASE_URL: db.url },
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      pollMs: 20,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('requests, shows, resumes and follows an erasure, auditing the operator', async () => {
    const userId = `cli-${randomUUID().slice(0, 8)}`;
    const first = await cli('request', userId, '--detach');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /erasure requested\nerasure [0-9a-f-]{36}: REQUESTED \(objects\) objects deleted 0, rows deleted 0/,
    );
    const id = /erasure ([0-9a-f-]{36})/.exec(first.out)![1]!;
    expect((await cli('request', userId, '--detach')).out).toContain('already open');

    expect((await cli('resume', id)).code).toBe(1);
    await db.prisma
      .$executeRaw`UPDATE erasure_requests SET state = 'FAILED', failed_keys = 3, failure_reason = 'x' WHERE id = ${id}::uuid`;
    const failed = await cli('status', id);
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('FAILED');
    expect((await cli('resume', id, '--detach')).code).toBe(0);
    expect((await db.prisma.erasureRequest.findUnique({ where: { id } }))!.state).toBe('REQUESTED');

    // Follows until the worker (played here by an UPDATE) completes it.
    // (A Prisma query runs only once awaited or then-ed.)
    setTimeout(() => {
      db.prisma
        .$executeRaw`UPDATE erasure_requests SET state = 'COMPLETED', objects_deleted = 10 WHERE id = ${id}::uuid`.then(
        () => undefined,
        () => undefined,
      );
    }, 200);
    const followed = await cli('status', id, '--follow', '--json');
    expect(followed.code).toBe(0);
    const lines = followed.out.split('\n').map((l) => JSON.parse(l) as { state: string });
    expect(lines.at(-1)!.state).toBe('COMPLETED');

    const audit = await db.prisma.auditEvent.findMany({ where: { target: id }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['erasure.requested', 'erasure.resumed']);
    expect(audit.every((a) => a.actor.startsWith('cli:'))).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(userId);
  });

  it('explains its usage', async () => {
    expect((await cli('frobnicate', 'x')).code).toBe(2);
    expect((await cli('request')).err).toContain('needs an argument');
  });
});
