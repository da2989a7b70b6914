import { requestLogLevel } from './http-logging';

describe('requestLogLevel', () => {
  const policy = { successSampleRate: 0.25, slowRequestMs: 1000 };
  const never = () => 0.99;
  const always = () => 0;

  it('always logs errors and client errors, whatever the sample says', () => {
    expect(requestLogLevel(500, false, 3, policy, never)).toBe('error');
    expect(requestLogLevel(503, false, 3, policy, never)).toBe('error');
    expect(requestLogLevel(200, true, 3, policy, never)).toBe('error');
    expect(requestLogLevel(404, false, 3, policy, never)).toBe('warn');
    expect(requestLogLevel(429, false, 3, policy, never)).toBe('warn');
  });

  it('always logs slow requests', () => {
    expect(requestLogLevel(200, false, 1000, policy, never)).toBe('warn');
    expect(requestLogLevel(201, false, 999, policy, never)).toBe('silent');
  });

  it('samples fast successes at the configured rate', () => {
    expect(requestLogLevel(200, false, 3, policy, () => 0.2499)).toBe('info');
    expect(requestLogLevel(200, false, 3, policy, () => 0.25)).toBe('silent');
    expect(requestLogLevel(204, false, 3, { ...policy, successSampleRate: 1 }, never)).toBe('info');
    expect(requestLogLevel(204, false, 3, { ...policy, successSampleRate: 0 }, always)).toBe('silent');
  });
});
