import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { LOCAL_JWT_SECRET } from '../../tools/local-stack/local-env';
import { startTestStack, TestStack } from '../support/test-stack';

const ISSUER = 'image-upload-platform';
const AUDIENCE = 'image-upload-api';
const secret = new TextEncoder().encode(LOCAL_JWT_SECRET);

function hs256(claims: Record<string, unknown>, options: { key?: Uint8Array; exp?: number | string } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience(AUDIENCE);
  jwt.setExpirationTime(options.exp ?? '5m');
  return jwt.sign(options.key ?? secret);
}

function unsigned(claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + 300;
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ iss: ISSUER, aud: AUDIENCE, exp, ...claims })}.`;
}

async function statusOf(stack: TestStack, token: string | undefined, path = '/v1/images') {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
}

describe('authentication (HS256 locally)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ worker: false, forwarder: false });
  });
  afterAll(() => stack.stop());

  it('accepts a valid token', async () => {
    expect((await statusOf(stack, await hs256({ sub: 'alice' }))).status).toBe(200);
  });

  it.each([
    ['no token', async () => undefined],
    ['alg none', async () => unsigned({ sub: 'alice' })],
    ['a forged signature (wrong key)', async () => hs256({ sub: 'alice' }, { key: new Uint8Array(32).fill(7) })],
    ['an expired token', async () => hs256({ sub: 'alice' }, { exp: Math.floor(Date.now() / 1000) - 3600 })],
    ['a token without sub', async () => hs256({})],
    ['a subject that cannot be a user id', async () => hs256({ sub: '../../etc' })],
    [
      'another issuer',
      async () =>
        new SignJWT({ sub: 'a' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('evil')
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(secret),
    ],
    ['garbage', async () => 'not.a.jwt'],
  ])('refuses %s with 401 problem+json', async (_name, token) => {
    const result = await statusOf(stack, await token());
    expect(result.status).toBe(401);
    expect(result.type).toContain('application/problem+json');
    expect(result.body).toMatchObject({ status: 401, code: 'unauthenticated', title: 'Authentication required' });
  });

  it('tolerates a little clock skew', async () => {
    const justExpired = Math.floor(Date.now() / 1000) - 5;
    expect((await statusOf(stack, await hs256({ sub: 'alice' }, { exp: justExpired }))).status).toBe(200);
  });
});

describe('authentication (RS256/ES256 via JWKS, as in production)', () => {
  let stack: TestStack;
  let jwks: Server;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    const es = await generateKeyPair('ES256');
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
    ];
    jwks = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys })),
    );
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    stack = await startTestStack({
      worker: false,
      forwarder: false,
      env: { AUTH_JWKS_URL: url, AUTH_JWT_SECRET: '', DEV_TOKEN_ENABLED: 'false' },
    });
  });
  afterAll(async () => {
    await stack.stop();
    jwks.close();
  });

  it('accepts a token signed by a key in the JWKS', async () => {
    const token = await new SignJWT({ sub: 'carol' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(rsa.privateKey);
    expect((await statusOf(stack, token)).status).toBe(200);
  });

  it('refuses an HS256 token (algorithm confusion) and a key not in the JWKS', async () => {
    expect((await statusOf(stack, await hs256({ sub: 'carol' }))).status).toBe(401);
    const stranger = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'carol' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(stranger.privateKey);
    expect((await statusOf(stack, token)).status).toBe(401);
  });

  it('hides the dev token endpoint when it is not enabled', async () => {
    const response = await fetch(`${stack.apiUrl}/v1/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'x' }),
    });
    expect(response.status).toBe(404);
  });
});
