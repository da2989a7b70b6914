import fastifyHelmet from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerSecurityHeaders } from './security-headers';

const OPTIONS = { contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'same-site' } } as const;

async function headersOf(app: FastifyInstance): Promise<Record<string, unknown>> {
  app.get('/', async () => ({ ok: true }));
  app.get('/override', async (_request, reply) => {
    reply.header('cross-origin-resource-policy', 'cross-origin');
    return { ok: true };
  });
  const { date: _date, ...headers } = (await app.inject('/')).headers;
  const overridden = (await app.inject('/override')).headers['cross-origin-resource-policy'];
  await app.close();
  return { ...headers, overridden };
}

describe('registerSecurityHeaders', () => {
  it('sets exactly the headers @fastify/helmet sets for the same options, and a route may override one', async () => {
    const withPlugin = Fastify();
    await withPlugin.register(fastifyHelmet, OPTIONS);
    const computedOnce = Fastify();
    registerSecurityHeaders(computedOnce, OPTIONS);

    const expected = await headersOf(withPlugin);
    expect(expected['strict-transport-security']).toContain('max-age');
    expect(expected['cross-origin-resource-policy']).toBe('same-site');
    expect(expected.overridden).toBe('cross-origin');
    expect(await headersOf(computedOnce)).toEqual(expected);
  });
});
