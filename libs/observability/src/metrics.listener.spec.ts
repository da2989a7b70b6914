import { Counter, Registry } from 'prom-client';
import { MetricsListener } from './metrics.listener';

describe('MetricsListener', () => {
  const registry = new Registry();
  new Counter({ name: 'spec_things_total', help: 'things', registers: [registry] }).inc(3);
  const listener = new MetricsListener(registry, {
    '/healthz': (response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'),
  });
  const url = (path: string) => `http://127.0.0.1:${listener.port}${path}`;

  beforeAll(() => listener.listen(0, '127.0.0.1'));
  afterAll(() => listener.close());

  it('serves the registry on GET /metrics', async () => {
    const response = await fetch(url('/metrics'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(registry.contentType);
    expect(await response.text()).toContain('spec_things_total 3');
  });

  it('serves the extra routes, and 404 for other paths and methods', async () => {
    expect(await (await fetch(url('/healthz'))).json()).toEqual({ status: 'ok' });
    expect((await fetch(url('/metrics'), { method: 'POST' })).status).toBe(404);
    expect((await fetch(url('/constructor'))).status).toBe(404);
    expect((await fetch(url('/'))).status).toBe(404);
  });

  it('fails to listen on a port that is taken, rather than running unscrapeable', async () => {
    const second = new MetricsListener(registry);
    await expect(second.listen(listener.port!, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
