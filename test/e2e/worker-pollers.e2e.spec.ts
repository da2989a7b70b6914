import { SqsService } from '@ssut/nestjs-sqs';
import { makeJpeg } from '@lib/testing';
import { ApiClient } from '../support/api-client';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

describe('worker: WORKER_POLLERS consumers on the uploads queue', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { WORKER_POLLERS: '5' } });
  });
  afterAll(() => stack.stop());

  it('starts the configured number of pollers, each bound to the handler, and processes uploads', async () => {
    const sqs = stack.worker!.get(SqsService);
    const names = [...sqs.consumers.keys()];
    expect(names).toEqual(['uploads', 'uploads-overlap', 'uploads-3', 'uploads-4', 'uploads-5']);
    for (const { instance } of sqs.consumers.values()) expect(instance.status.isRunning).toBe(true);

    const client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'pollers-pia'));
    const jpeg = await makeJpeg(64, 48);
    const sessions = await Promise.all(Array.from({ length: 3 }, () => client.upload(jpeg, 'image/jpeg')));
    for (const session of sessions) expect((await client.settled(session.uploadId)).status).toBe('READY');
  });
});
