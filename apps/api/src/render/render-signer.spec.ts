import { AppError } from '@lib/errors';
import { decodeSourceToken, encodeSourceToken, RenderSigner } from './render-signer';

const SECRET = 'a-render-signing-secret-of-32-chars!';
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const EXP = NOW / 1000 + 3600;

function status(action: () => void): number | 'ok' {
  try {
    action();
    return 'ok';
  } catch (error) {
    return (error as AppError).status;
  }
}

describe('RenderSigner', () => {
  const signer = new RenderSigner(SECRET);
  const userKey = '0123456789abcdef0123456789abcdef';
  const token = encodeSourceToken({ userKey, imageId: '9d4c4a1e-0000-4000-8000-000000000001' });
  const query = 'w=640&fit=inside&fmt=auto&q=80';
  const sig = signer.sign(token, query, EXP);

  it('accepts its own signature before expiry', () => {
    expect(status(() => signer.verify(token, query, String(EXP), sig, NOW))).toBe('ok');
  });

  it.each([
    ['another width', token, 'w=4096&fit=inside&fmt=auto&q=80', String(EXP), sig],
    [
      'another image',
      encodeSourceToken({ userKey, imageId: '9d4c4a1e-0000-4000-8000-000000000002' }),
      query,
      String(EXP),
      sig,
    ],
    ['a later expiry', token, query, String(EXP + 3600), sig],
    ['a flipped signature character', token, query, String(EXP), (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)],
    ['a truncated signature', token, query, String(EXP), sig.slice(0, 10)],
    ['no signature', token, query, String(EXP), undefined],
    ['no expiry', token, query, undefined, sig],
  ])('refuses %s with 403', (_name, t, q, exp, s) => {
    expect(status(() => signer.verify(t, q, exp, s, NOW))).toBe(403);
  });

  it('refuses an expired URL with 403', () => {
    expect(status(() => signer.verify(token, query, String(EXP), sig, EXP * 1000))).toBe(403);
  });

  it('refuses a signature made with another secret', () => {
    const other = new RenderSigner('another-secret-that-is-32-chars-long!');
    expect(status(() => signer.verify(token, query, String(EXP), other.sign(token, query, EXP), NOW))).toBe(403);
  });

  it('round-trips the source token and rejects junk', () => {
    expect(decodeSourceToken(token)).toEqual({ userKey, imageId: '9d4c4a1e-0000-4000-8000-000000000001' });
    for (const junk of ['not/base64', `${userKey}.not-a-uuid`, `alice.9d4c4a1e-0000-4000-8000-000000000001`, '']) {
      expect(decodeSourceToken(junk)).toBeNull();
    }
  });
});
