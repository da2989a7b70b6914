import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { PrismaService } from '@lib/database';
import { runDlqCli } from '../../apps/ops-cli/src/dlq/dlq.command';
import { ROOT } from '../../tools/local-stack/local-env';
import { testPrisma } from '../support/database';
import { poisonUploadsQueue, waitForDlqDepth } from '../support/dead-letters';
import { startTestStack, TestStack } from '../support/test-stack';

const CLI = join(ROOT, 'dist', 'apps', 'ops-cli', 'src', 'main.js');

describe('npm run dlq -- stats|peek|redrive', () => {
  let stack: TestStack;
  let prisma: PrismaService;
  const env = () => ({ ...stack.env, USER: 'cli-tester' });

  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runDlqCli(argv, {
      env: env(),
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      progressEveryMs: 0,
    });
    return { code, out, err };
  }

  beforeAll(async () => {
    prisma = testPrisma();
    stack = await startTestStack({ api: false, forwarder: false });
    await poisonUploadsQueue(stack, 25, 'cli');
    await waitForDlqDepth(stack, 25);
    await stack.stopWorker();
  });
  afterAll(async () => {
    await stack.stop();
    await prisma.$disconnect();
  });

  it('stats: count and oldest age', async () => {
    const { code, out } = await cli('stats');
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^t-[0-9a-f]+-uploads-dlq: 25 messages \(25 visible, 0 in flight\), oldest \d+ s$/);
  });

  it('peek --json: a sample with keys and reasons, nothing consumed', async () => {
    const { code, out } = await cli('peek', '--limit', '5', '--json');
    expect(code).toBe(0);
    const body = JSON.parse(out[0]!) as { count: number; sample: { stage: string; objectKeys: string[] }[] };
    expect(body.count).toBe(25);
    expect(body.sample).toHaveLength(5);
    expect(body.sample[0]).toMatchObject({ stage: 'worker', objectKeys: [expect.stringMatching(/^originals\/cli\//)] });
    expect(await stack.queue.depth(stack.resources.deadLetterQueueUrl)).toMatchObject({ visible: 25, inFlight: 0 });
  });

  it('redrive --id moves that one, idempotently; redrive --all moves the rest with progress; all audited', async () => {
    const { sample } = JSON.parse((await cli('peek', '--limit', '1', '--json')).out[0]!) as {
      sample: { messageId: string }[];
    };
    const id = sample[0]!.messageId;

    const one = await cli('redrive', '--id', id);
    expect(one).toMatchObject({
      code: 0,
      out: [`moved 1; 24 left in ${stack.resources.deadLetterQueueUrl.split('/').at(-1)}`],
    });
    const again = await cli('redrive', '--id', id);
    expect(again.code).toBe(0);
    expect(again.out).toEqual([expect.stringMatching(/^moved 0; 24 left/), `not in the DLQ (not moved): ${id}`]);

    const all = await cli('redrive', '--all');
    expect(all.code).toBe(0);
    expect(all.err.at(-1)).toBe('moved 24/24…');
    expect(all.err.length).toBeGreaterThanOrEqual(3);
    expect(all.out).toEqual([expect.stringMatching(/^moved 24; 0 left/)]);
    expect((await stack.queue.depth(stack.resources.uploadsQueueUrl)).visible).toBe(25);

    const audit = await prisma.auditEvent.findMany({
      where: { actor: 'cli:cli-tester' },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((a) => [a.action, a.count])).toEqual([
      ['dlq.stats', 25],
      ['dlq.inspect', 5],
      ['dlq.inspect', 1],
      ['dlq.redrive', 1],
      ['dlq.redrive', 0],
      ['dlq.redrive', 24],
    ]);
    expect(audit[4]!.detail).toMatchObject({ mode: 'ids', missing: [id], via: 'cli' });
  });

  it('refuses unclear commands with usage and exit code 2', async () => {
    for (const argv of [[], ['redrive'], ['redrive', '--all', '--id', 'x'], ['peek', '--limit', '0'], ['drop']]) {
      const result = await cli(...argv);
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
      expect(result.err.join('\n')).toContain('npm run dlq -- redrive --all');
    }
  });

  it('finds the queues by name (uploads, uploads-dlq) when their URLs are not set, as against `npm start`', async () => {
    for (const name of ['uploads-dlq', 'uploads']) await stack.sqs.send(new CreateQueueCommand({ QueueName: name }));
    const out: string[] = [];
    const code = await runDlqCli(['stats', '--json'], {
      env: { ...env(), UPLOADS_QUEUE_URL: '', UPLOADS_DLQ_URL: '' },
      out: (line) => out.push(line),
      err: () => undefined,
    });
    expect(code).toBe(0);
    expect(JSON.parse(out[0]!)).toMatchObject({ queue: 'uploads-dlq' });
  });

  it('runs compiled, as `npm run dlq` does', () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\``);
    const result = spawnSync(process.execPath, [CLI, 'dlq', 'stats', '--json'], { env: env(), encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ count: 0, visible: 0 });
  });
});
