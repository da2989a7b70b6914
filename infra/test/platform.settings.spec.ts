import { execFileSync } from 'node:child_process';
import { App } from 'aws-cdk-lib';
import { readSettings } from '../lib/platform.settings';

const settings = (context: Record<string, unknown>) => readSettings(new App({ context }).node);

describe('readSettings', () => {
  it('has a complete default for every setting', () => {
    expect(settings({})).toMatchObject({
      appName: 'upload-platform',
      region: 'us-east-1',
      webOrigins: ['https://app.example.com'],
      dlqMaxReceiveCount: 5,
      natGateways: 2,
      monthEndStartDay: 25,
    });
  });

  it('reads -c values, which arrive as strings', () => {
    expect(
      settings({ webOrigins: 'https://a.example, https://b.example', apiMinTasks: '3', dbMinAcu: '1.5' }),
    ).toMatchObject({ webOrigins: ['https://a.example', 'https://b.example'], apiMinTasks: 3, dbMinAcu: 1.5 });
  });

  it('names every invalid value at once', () => {
    expect(() => settings({ natGateways: '3', authJwksUrl: 'not a url' })).toThrow(
      /natGateways[\s\S]*authJwksUrl|authJwksUrl[\s\S]*natGateways/,
    );
  });

  it('defaults the image tag to the commit checked out, and refuses `latest` (the repositories are IMMUTABLE)', () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(settings({}).imageTag).toBe(head);
    expect(() => settings({ imageTag: 'latest' })).toThrow(/imageTag: must not be `latest`/);
    expect(settings({ imageTag: '3f2a9c1' }).imageTag).toBe('3f2a9c1');
  });

  it('refuses a minimum above the maximum, month-end included', () => {
    expect(() => settings({ workerMonthEndMinTasks: '12', workerMaxTasks: '10' })).toThrow(/workerMaxTasks/);
  });
});
