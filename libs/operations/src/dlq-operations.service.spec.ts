import type { AuditRepository, NewAuditEvent } from '@lib/database';
import type { DlqPeek, DlqRepository, RedriveSelection } from '@lib/dlq';
import { AppError } from '@lib/errors';
import { DlqOperations } from './dlq-operations.service';

const PEEK: DlqPeek = {
  stats: { depth: 7, visible: 6, inFlight: 1, delayed: 0 },
  oldestAgeSeconds: 90,
  messages: [],
};

function setup(options: { auditDown?: boolean } = {}) {
  const recorded: NewAuditEvent[] = [];
  const redriven: RedriveSelection[] = [];
  const dlq = {
    queueName: 'uploads-dlq',
    peek: jest.fn(async () => PEEK),
    stats: jest.fn(async () => ({ ...PEEK.stats, depth: 2 })),
    redrive: jest.fn(async (selection: RedriveSelection) => {
      redriven.push(selection);
      return { moved: 5, missing: ['gone'], failed: [] };
    }),
  };
  const down = new Error('connection refused');
  const audit = {
    recent: jest.fn(async () => {
      if (options.auditDown) throw down;
      return [];
    }),
    record: jest.fn(async (event: NewAuditEvent) => {
      if (options.auditDown) throw down;
      recorded.push(event);
      return { ...event, id: 'a', createdAt: new Date() };
    }),
  };
  const ops = new DlqOperations(dlq as unknown as DlqRepository, audit as unknown as AuditRepository);
  return { ops, recorded, redriven };
}

describe('DlqOperations', () => {
  it('audits stats by depth and inspect by sample size, marking the rows with `via` when given', async () => {
    const { ops, recorded } = setup();
    expect(await ops.stats({ actor: 'cli:ann', via: 'cli' })).toMatchObject({ queue: 'uploads-dlq', count: 7 });
    await ops.inspect({ actor: 'admin-1' }, 5);
    expect(recorded).toEqual([
      { actor: 'cli:ann', action: 'dlq.stats', target: 'uploads-dlq', count: 7, detail: { depth: 7, via: 'cli' } },
      { actor: 'admin-1', action: 'dlq.inspect', target: 'uploads-dlq', count: 0, detail: { depth: 7 } },
    ]);
  });

  it('audits a redrive after the move with what happened', async () => {
    const { ops, recorded } = setup();
    const outcome = await ops.redrive({ actor: 'admin-1' }, { messageIds: ['a', 'gone'] });
    expect(outcome).toEqual({ moved: 5, missing: ['gone'], failed: [], remaining: 2 });
    expect(recorded).toEqual([
      {
        actor: 'admin-1',
        action: 'dlq.redrive',
        target: 'uploads-dlq',
        count: 5,
        detail: { mode: 'ids', requested: ['a', 'gone'], missing: ['gone'], failed: 0, remaining: 2 },
      },
    ]);
  });

  it('moves nothing while the audit table is unreachable, and fails any action it cannot record', async () => {
    const { ops, redriven } = setup({ auditDown: true });
    await expect(ops.redrive({ actor: 'cli:ann' }, { all: true })).rejects.toBeInstanceOf(AppError);
    expect(redriven).toEqual([]);
    await expect(ops.stats({ actor: 'cli:ann' })).rejects.toThrow('connection refused');
  });
});
