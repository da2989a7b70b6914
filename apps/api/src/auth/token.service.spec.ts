import { SignJWT } from 'jose';
import { loadApiConfig } from '@lib/config';
import { AppError } from '@lib/errors';
import { TokenService } from './token.service';

const SECRET = 'token-service-spec-secret-0123456789abcdef';

describe('TokenService', () => {
  const config = loadApiConfig({
    AUTH_JWT_SECRET: SECRET,
    AUTH_CLOCK_SKEW_SECONDS: '0',
    UPLOADS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/uploads',
    UPLOADS_DLQ_URL: 'http://127.0.0.1:1/000000000000/uploads-dlq',
  });
  const start = new Date('2026-12-01T12:00:00Z');

  beforeEach(() => jest.useFakeTimers({ now: start, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  function token(sub: string, lifetimeSeconds: number, roles: string[] = []): Promise<string> {
    return new SignJWT({ roles })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuer(config.auth.issuer)
      .setAudience(config.auth.audience)
      .setExpirationTime(Math.floor(start.getTime() / 1000) + lifetimeSeconds)
      .sign(new TextEncoder().encode(SECRET));
  }

  const status = (promise: Promise<unknown>) =>
    promise.then(
      () => 200,
      (error: AppError) => error.status,
    );

  it('admits a remembered token only until it expires', async () => {
    const tokens = new TokenService(config);
    const jwt = await token('alice', 10);
    expect(await tokens.verify(jwt)).toEqual({ id: 'alice', roles: [] });
    jest.setSystemTime(start.getTime() + 9_000);
    expect(await status(tokens.verify(jwt))).toBe(200);
    jest.setSystemTime(start.getTime() + 10_001);
    expect(await status(tokens.verify(jwt))).toBe(401);
  });

  it('does not admit a token that differs from a remembered one in one byte', async () => {
    const tokens = new TokenService(config);
    const jwt = await token('alice', 60, ['admin']);
    await tokens.verify(jwt);
    const tampered = jwt.slice(0, -2) + (jwt.at(-2) === 'A' ? 'B' : 'A') + jwt.at(-1);
    expect(await status(tokens.verify(tampered))).toBe(401);
  });

  it('hands out a user nobody can change for the next request', async () => {
    const tokens = new TokenService(config);
    const jwt = await token('bob', 60);
    const user = await tokens.verify(jwt);
    expect(() => user.roles.push('admin')).toThrow(TypeError);
    expect((await tokens.verify(jwt)).roles).toEqual([]);
  });
});
