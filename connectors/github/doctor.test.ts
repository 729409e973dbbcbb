/**
 * `nhi doctor`'s playbook checks for GitHub, through the real Octokit against the stand-in:
 * a classic token's `x-oauth-scopes` header, an App installation's granted permissions, and
 * "unknown" for tokens GitHub reports nothing about. No write is sent.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connector } from './index.js';
import { startGitHubStandIn, type GitHubStandIn } from './stand-in/server.js';
import { syntheticOrg } from './stand-in/synthetic.js';
import { makeTestContext } from '../../src/connector/testing.js';
import type { DoctorReport } from '../../src/connector/index.js';

const CLASSIC = 'ghp_doctorClassicToken000000000000000000';
const NARROW = 'ghp_doctorNarrowToken0000000000000000000';
const FINE = 'github_pat_doctorFineGrained000000000000';

let standIn: GitHubStandIn | null = null;
afterEach(async () => {
  await standIn?.close();
  standIn = null;
});

async function start(opts: Partial<Parameters<typeof startGitHubStandIn>[0]> = {}) {
  standIn = await startGitHubStandIn({
    estate: { orgs: [syntheticOrg({ login: 'acme', repos: 1 })] },
    oauthScopes: { [CLASSIC]: 'admin:org, repo, workflow', [NARROW]: 'read:org, repo' },
    ...opts,
  });
  return standIn;
}

function doctor(options: Record<string, unknown>, env: Record<string, string>) {
  return connector.doctor(
    makeTestContext({
      options: { orgs: ['acme'], apiUrl: standIn!.url, retryAfterBaseValue: 0, ...options },
      env,
    }),
  );
}

const playbooks = (r: DoctorReport) =>
  Object.fromEntries(
    r.checks.filter((c) => c.name.startsWith('playbook: ')).map((c) => [c.name, c]),
  );

function appKey(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'nhi-gh-doctor-')), 'app.pem');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(path, privateKey.export({ type: 'pkcs1', format: 'pem' }));
  return path;
}

describe('github doctor: which playbooks the credentials could run', () => {
  it('a classic token with repo and admin:org can run the token playbooks, not PAT-grant revocation', async () => {
    await start();
    const p = playbooks(await doctor({}, { GITHUB_TOKEN: CLASSIC }));
    expect(Object.keys(p)).toEqual([
      'playbook: rotate, trim or delete deploy keys',
      'playbook: revoke fine-grained PAT grants',
      'playbook: revoke SAML credential authorizations',
      'playbook: github-actions sink',
    ]);
    expect(p['playbook: rotate, trim or delete deploy keys']).toMatchObject({
      ok: true,
      detail: 'token has scope repo',
    });
    expect(p['playbook: revoke SAML credential authorizations']!.ok).toBe(true);
    expect(p['playbook: github-actions sink']).toMatchObject({
      ok: true,
      detail: 'token has scope repo',
    });
    expect(p['playbook: revoke fine-grained PAT grants']).toMatchObject({
      ok: false,
      detail: expect.stringContaining(
        'missing a GitHub App with organization permission Personal access tokens (write)',
      ),
    });
    expect(standIn!.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('a classic token without admin:org is told which scope is missing', async () => {
    await start();
    const p = playbooks(await doctor({}, { GITHUB_TOKEN: NARROW }));
    expect(p['playbook: revoke SAML credential authorizations']).toEqual({
      name: 'playbook: revoke SAML credential authorizations',
      ok: false,
      detail:
        'missing classic scope admin:org (GitHub Enterprise Cloud) (token scopes: read:org, repo)',
    });
    expect(p['playbook: github-actions sink']).toMatchObject({
      ok: true,
      detail: 'token has scope repo; organization secrets also need admin:org',
    });
  });

  it('a fine-grained token gets "unknown" naming the permissions to grant', async () => {
    await start();
    const p = playbooks(await doctor({}, { GITHUB_TOKEN: FINE }));
    expect(p['playbook: rotate, trim or delete deploy keys']).toEqual({
      name: 'playbook: rotate, trim or delete deploy keys',
      ok: false,
      detail:
        'unknown for fine-grained tokens (GitHub does not report their permissions): needs repository permission Administration (write)',
    });
    expect(p['playbook: github-actions sink']!.detail).toContain('Secrets (write)');
    // Some playbooks no fine-grained token can run, whatever it was granted.
    expect(p['playbook: revoke fine-grained PAT grants']).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^not with a fine-grained token: needs a GitHub App/),
    });
  });

  it('a GitHub App: decided from the installation permissions, allowed and denied', async () => {
    await start({
      installationPermissions: {
        administration: 'write',
        secrets: 'read',
        organization_personal_access_tokens: 'write',
      },
    });
    const report = await doctor({ appId: 12345, privateKeyPath: appKey() }, {});
    expect(report.authenticated).toBe(true);
    const p = playbooks(report);
    expect(p['playbook: rotate, trim or delete deploy keys']).toMatchObject({
      ok: true,
      detail: 'installation has administration: write',
    });
    expect(p['playbook: revoke fine-grained PAT grants']!.ok).toBe(true);
    expect(p['playbook: github-actions sink']).toMatchObject({
      ok: false,
      detail: expect.stringMatching(
        /^missing repository permission Secrets \(write\).*\(installation has secrets: read\)$/,
      ),
    });
    expect(p['playbook: revoke SAML credential authorizations']!.ok).toBe(false);
    const lookups = standIn!.requests.filter((r) => r.path === '/orgs/acme/installation');
    expect(lookups.every((r) => r.auth === 'jwt')).toBe(true);
  });
});
