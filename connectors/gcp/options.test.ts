import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/connector/index.js';
import { parseGcpOptions } from './options.js';

describe('options', () => {
  it('defaults to Google hosts; env overrides them; options override env', () => {
    expect(parseGcpOptions({}, {}).rootUrls.iam).toBe('https://iam.googleapis.com/');
    const env = {
      NHI_GCP_ROOT_URL: 'http://127.0.0.1:1/',
      NHI_GCP_IAM_ROOT_URL: 'http://127.0.0.1:2/',
    };
    const fromEnv = parseGcpOptions({}, env).rootUrls;
    expect(fromEnv.iam).toBe('http://127.0.0.1:2/');
    expect(fromEnv.recommender).toBe('http://127.0.0.1:1/');
    expect(parseGcpOptions({ rootUrls: { iam: 'http://127.0.0.1:3/' } }, env).rootUrls.iam).toBe(
      'http://127.0.0.1:3/',
    );
  });

  it('normalises organization/folder/project names and rejects bad input as a user error', () => {
    const o = parseGcpOptions(
      { organization: 418203775162, projects: 'a-proj, projects/b-proj' },
      {},
    );
    expect(o.organization).toBe('organizations/418203775162');
    expect(o.projects).toEqual(['a-proj', 'b-proj']);
    expect(() => parseGcpOptions({ organization: '1', folder: '2' }, {})).toThrow(UserError);
    expect(() => parseGcpOptions({ concurrency: 0 }, {})).toThrow(/concurrency/);
    expect(() => parseGcpOptions({ rootUrls: { iam: 'not a url' } }, {})).toThrow(/rootUrls\.iam/);
  });
});
