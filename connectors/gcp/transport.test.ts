import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/connector/index.js';
import { credentialFileOrigins, toApiError } from './transport.js';

describe('origins the ADC file names', () => {
  it('allows what a workload-identity-federation file points at, and nothing when there is no file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nhi-gcp-wif-')), 'wif.json');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'external_account',
        audience:
          '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/gh',
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: 'https://sts.googleapis.com/v1/token',
        service_account_impersonation_url:
          'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/ci@p.iam.gserviceaccount.com:generateAccessToken',
        credential_source: { url: 'http://169.254.169.254/token', format: { type: 'text' } },
      }),
    );
    expect(credentialFileOrigins({ GOOGLE_APPLICATION_CREDENTIALS: file })).toEqual([
      'https://sts.googleapis.com',
      'https://iamcredentials.googleapis.com',
      'http://169.254.169.254',
    ]);
    expect(credentialFileOrigins({ GOOGLE_APPLICATION_CREDENTIALS: `${file}.missing` })).toEqual(
      [],
    );
    expect(credentialFileOrigins({})).toEqual([]);
  });
});

describe('failures as ApiErrors', () => {
  const answer = (status: number, data: unknown, headers: Record<string, string> = {}) => ({
    message: 'Request failed',
    response: { status, data: JSON.stringify(data), headers: new Headers(headers) },
    config: { headers: { authorization: 'Bearer ya29.secret' } },
  });

  it('keeps the google.rpc status and message, Retry-After, and never the request', () => {
    const e = toApiError(
      'iam.serviceAccounts.list(projects/p)',
      answer(
        429,
        { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } },
        { 'retry-after': '3' },
      ),
    );
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({
      kind: 'throttled',
      status: 429,
      code: 'RESOURCE_EXHAUSTED',
      retryAfterMs: 3000,
      message: 'iam.serviceAccounts.list(projects/p): RESOURCE_EXHAUSTED Quota exceeded',
    });
    expect(JSON.stringify(e) + String(e)).not.toContain('ya29');
  });

  it('reads OAuth errors of the token endpoint, and a 403 as denied (a gap, not a failure)', () => {
    expect(
      toApiError(
        'oauth2 token',
        answer(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }),
      ),
    ).toMatchObject({ kind: 'client', code: 'invalid_grant' });
    expect(
      toApiError(
        'x',
        answer(403, {
          error: { code: 403, message: 'API not enabled', status: 'PERMISSION_DENIED' },
        }),
      ),
    ).toMatchObject({ kind: 'denied', code: 'PERMISSION_DENIED' });
  });

  it('an error with no HTTP answer is an auth problem only for the token check', () => {
    const boom = new TypeError('x is not a function');
    expect(toApiError('x', boom)).toBe(boom);
    expect(
      toApiError('oauth2 token', new Error('Could not load the default credentials'), 'auth'),
    ).toMatchObject({
      kind: 'auth',
      message: 'oauth2 token: Credentials Could not load the default credentials',
    });
  });
});
