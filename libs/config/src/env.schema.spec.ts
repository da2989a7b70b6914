import { z } from 'zod';
import {
  API_ENV_KEYS,
  apiEnv,
  ERASURE_CLI_ENV_KEYS,
  erasureCliEnv,
  FORWARDER_ENV_KEYS,
  forwarderAppEnv,
  sharedEnv,
  WORKER_ENV_KEYS,
  workerEnv,
} from './env.schema';
import { cdnBaseUrlEnv } from './groups/storage.config';
import { serverEnv } from './groups/server.config';
import { consumerEnv } from './groups/consumer.config';

const lists: [string, readonly string[], z.AnyZodObject][] = [
  ['API', API_ENV_KEYS, apiEnv],
  ['worker', WORKER_ENV_KEYS, workerEnv],
  ['forwarder', FORWARDER_ENV_KEYS, forwarderAppEnv],
  ['erasure CLI', ERASURE_CLI_ENV_KEYS, erasureCliEnv],
];

describe('the key lists of each process', () => {
  it.each(lists)('names each variable of the %s once, and only variables its schema reads', (_name, keys, schema) => {
    expect(new Set(keys).size).toBe(keys.length);
    const known = Object.keys(schema.shape);
    expect(keys.filter((key) => !known.includes(key))).toEqual([]);
    // A key the schema does not know is stripped unread: the list and the schema agree both ways.
    expect(known.filter((key) => !keys.includes(key))).toEqual([]);
  });

  it('gives the API and the worker every shared variable and each its own groups only', () => {
    for (const key of Object.keys(sharedEnv.shape)) {
      expect(API_ENV_KEYS).toContain(key);
      expect(WORKER_ENV_KEYS).toContain(key);
    }
    for (const key of [...Object.keys(serverEnv.shape), ...Object.keys(cdnBaseUrlEnv.shape)]) {
      expect(WORKER_ENV_KEYS).not.toContain(key);
    }
    for (const key of Object.keys(consumerEnv.shape)) expect(API_ENV_KEYS).not.toContain(key);
    expect(FORWARDER_ENV_KEYS).not.toContain('UPLOADS_DLQ_URL');
  });
});
