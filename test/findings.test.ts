/**
 * Findings a security team can act on, checked on the demo estate end to end: every subject's
 * band is at least its worst finding's, every subject is scored, the severity flags share one
 * vocabulary, and every fix works — each playbook a finding names really plans for that
 * subject, and every rule has steps where no playbook can act.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '../src/catalog/index.js';
import { loadActions, PROVIDERS } from '../src/connector/registry.js';
import type {
  CredentialType,
  Finding,
  IdentityKind,
  ProviderId,
  StoredCredential,
} from '../src/model/index.js';
import { DEFAULT_PLAN_SETTINGS, parseSinkSpec } from '../src/playbooks/plan.js';
import { makePlan } from '../src/playbooks/prepare.js';
import { RULES } from '../src/scoring/rules/index.js';
import {
  PER_IDENTITY_LIMIT,
  PLAYBOOK_IDS,
  PLAYBOOK_SUBJECTS,
  TRIM_SUBJECTS,
  manualFixOf,
  resolveFix,
} from '../src/scoring/fix.js';
import { fixSteps } from '../src/scoring/fix-steps.js';
import { SEVERITY_RANK, bandOfSeverity } from '../src/scoring/score.js';
import { credential, identity } from '../src/scoring/testing.js';
import { evaluate } from '../src/scoring/engine.js';
import { defaultPolicy } from '../src/scoring/policy.js';
import { syntheticInventory } from '../fixtures/synthetic/inventory.js';
import { nhi, tempDir } from './run-cli.js';

const SETTINGS = { ...DEFAULT_PLAN_SETTINGS, deleteAfterDays: 7 };

const ALL_TYPES = Object.keys({
  'access-key': true,
  'console-password': true,
  'signing-certificate': true,
  'client-secret': true,
  certificate: true,
  'federated-credential': true,
  'service-account-key': true,
  'api-key': true,
  'fine-grained-pat': true,
  'classic-pat': true,
  'ssh-key': true,
  'oauth-token': true,
  'deploy-key': true,
  'app-installation': true,
  'actions-secret': true,
  'dependabot-secret': true,
  'webhook-secret': true,
  'service-specific-credential': true,
  'account-key': true,
} satisfies Record<CredentialType, true>) as CredentialType[];

describe('playbook reach (what the rules may name) matches the connectors', () => {
  it('revoke and rotate accept exactly the credential types each connector can act on', async () => {
    for (const provider of PROVIDERS) {
      const actions = await loadActions(provider);
      for (const type of ALL_TYPES) {
        const caps = actions.capabilities(type);
        const retire = caps.delete || caps.deactivate;
        const accepts = (p: 'revoke' | 'rotate') =>
          (PLAYBOOK_SUBJECTS[p][provider] ?? []).includes(type);
        expect(accepts('revoke'), `revoke ${provider} ${type}`).toBe(retire);
        expect(accepts('rotate'), `rotate ${provider} ${type}`).toBe(caps.create && retire);
        if (accepts('rotate'))
          expect(PER_IDENTITY_LIMIT[provider]?.[type] ?? null, `${provider} ${type}`).toBe(
            caps.maxPerIdentity,
          );
      }
    }
  });
});

describe('the rule registry has no dangling fix', () => {
  it('every rule names a registered playbook or none, and always has manual steps', () => {
    for (const rule of RULES) {
      if (rule.fix.playbook !== undefined)
        expect(PLAYBOOK_IDS, rule.id).toContain(rule.fix.playbook);
      expect(rule.playbook).toBe(rule.fix.playbook ?? null);
      expect(rule.fix.manual.steps.length, rule.id).toBeGreaterThan(0);
      for (const m of Object.values(rule.fix.providers ?? {}))
        expect(m.steps.length, rule.id).toBeGreaterThan(0);
    }
  });

  it('no rule promises a command that does not exist; only unused-grant and deploy-key-write name nhi trim', () => {
    for (const rule of RULES) {
      const text = JSON.stringify({ ...rule, options: undefined, providerDefaults: undefined });
      expect(text, rule.id).not.toMatch(/trim-permissions/);
      expect(rule.fix.trim !== undefined, rule.id).toBe(
        rule.id === 'unused-grant' || rule.id === 'deploy-key-write',
      );
    }
  });

  it('trim reaches exactly the providers whose connector can trim', async () => {
    for (const provider of PROVIDERS) {
      const actions = await loadActions(provider);
      expect(TRIM_SUBJECTS[provider] !== undefined, provider).toBe(actions.trim !== undefined);
    }
  });

  it('an unused-grant finding names `nhi trim <identity>` where trim acts on the identity, else manual steps', () => {
    const rule = RULES.find((r) => r.id === 'unused-grant')!;
    const role = identity({ provider: 'aws', kind: 'role', id: 'i-role' });
    const key = credential(identity({ provider: 'aws', kind: 'user', id: 'i-user' }), {
      id: 'c-key',
    });
    expect(resolveFix(rule.id, rule.fix, role, undefined)).toEqual({
      playbook: 'trim',
      command: 'nhi trim i-role',
    });
    // On a credential's grants the trim still acts on the identity.
    expect(
      resolveFix(rule.id, rule.fix, identity({ provider: 'aws', kind: 'user', id: 'i-user' }), key),
    ).toEqual({ playbook: 'trim', command: 'nhi trim i-user' });
    const linked = identity({
      provider: 'aws',
      kind: 'role',
      id: 'i-linked',
      attributes: { path: '/aws-service-role/x.amazonaws.com/' },
    });
    expect(resolveFix(rule.id, rule.fix, linked, undefined)).toEqual({
      manual: 'rule:unused-grant:aws',
    });
    const root = identity({ provider: 'aws', kind: 'root', id: 'i-root' });
    expect('manual' in resolveFix(rule.id, rule.fix, root, undefined)).toBe(true);
    // The same privilege rule on other findings never names trim.
    const admin = RULES.find((r) => r.id === 'admin-grant')!;
    expect(resolveFix(admin.id, admin.fix, role, undefined)).toEqual({
      manual: 'rule:admin-grant:aws',
    });
  });

  it('for every provider, credential type and identity kind, the resolved fix is one the connector accepts, or manual steps', async () => {
    const kinds: IdentityKind[] = [
      'root',
      'user',
      'role',
      'service-principal',
      'service-account',
      'github-user',
      'repository',
    ];
    let playbooks = 0;
    for (const provider of PROVIDERS) {
      const actions = await loadActions(provider);
      for (const kind of kinds) {
        const owner = identity({ provider, kind, id: 'i-x' });
        for (const type of ALL_TYPES) {
          for (const status of ['active', 'inactive', 'unknown'] as const) {
            const cred: StoredCredential = credential(owner, { id: 'c-x', type, status });
            for (const rule of RULES) {
              const fix = resolveFix(rule.id, rule.fix, owner, cred);
              if ('manual' in fix) {
                const steps = manualFixOf(rule.fix, fix.manual, rule.id)?.steps ?? [];
                expect(
                  steps.length,
                  `${rule.id} ${provider} ${type} ${fix.manual}`,
                ).toBeGreaterThan(0);
                continue;
              }
              playbooks += 1;
              if (fix.playbook === 'trim') {
                expect(actions.trim, `${rule.id} ${provider}`).toBeDefined();
                expect(TRIM_SUBJECTS[provider], `${rule.id} ${provider}`).toContain(kind);
                expect(fix.command).toBe(
                  `nhi trim i-x${rule.fix.trimReplaces ? ` ${rule.fix.trimReplaces.args}` : ''}`,
                );
                continue;
              }
              const caps = actions.capabilities(type);
              expect(kind, `${rule.id}: playbooks refuse root credentials`).not.toBe('root');
              expect(caps.delete || caps.deactivate, `${rule.id} ${provider} ${type}`).toBe(true);
              if (fix.playbook === 'rotate') {
                expect(caps.create, `${rule.id} ${provider} ${type}`).toBe(true);
                expect(status).toBe('active');
              }
              expect(fix.command).toContain('c-x');
            }
          }
        }
      }
    }
    expect(playbooks).toBeGreaterThan(100);
  });
});

/** Every present subject is scored and no band sits below its worst finding (or its credentials'). */
function expectBandsCoverWorstFindings(
  findings: readonly Finding[],
  scores: ReadonlyMap<string, { band: string }>,
  subjects: { credentials: { id: string; identityId: string }[]; identities: { id: string }[] },
): number {
  const identityOf = new Map(subjects.credentials.map((c) => [c.id, c.identityId]));
  for (const s of [...subjects.credentials, ...subjects.identities])
    expect(scores.get(s.id), s.id).toBeDefined();
  let checked = 0;
  for (const f of findings) {
    if (f.outcome !== 'fail') continue;
    const owner = identityOf.get(f.subjectId);
    for (const id of owner ? [f.subjectId, owner] : [f.subjectId]) {
      const band = scores.get(id)!.band as 'low';
      expect(
        SEVERITY_RANK[band],
        `${id} ${band} vs ${f.ruleId} ${f.severity}`,
      ).toBeGreaterThanOrEqual(SEVERITY_RANK[bandOfSeverity(f.severity)]);
      checked += 1;
    }
  }
  return checked;
}

describe('a synthetic estate', () => {
  it('scores every subject with a band at least its worst finding', () => {
    const now = new Date('2026-11-01T00:00:00Z');
    const dir = tempDir();
    const cat = openCatalog(join(dir, 'synthetic.db'));
    try {
      const inv = syntheticInventory({ identities: 1500, now, seed: 7 });
      const run = cat.beginRun({ providers: ['aws'], demo: false, version: 'test', now });
      cat.writeScope(run, inv, 0);
      cat.finishRun(run, 'ok', now);
      const snap = cat.snapshot(run)!;
      const ev = evaluate({ now, ...snap }, defaultPolicy());
      const checked = expectBandsCoverWorstFindings(
        ev.findings,
        new Map(ev.scores.map((x) => [x.subjectId, x])),
        snap,
      );
      expect(checked).toBeGreaterThan(1000);
      expect(new Set(ev.scores.map((x) => x.band)).size).toBeGreaterThan(2);
    } finally {
      cat.close();
    }
  });
});

describe('the demo estate', () => {
  const catalogPath = join(tempDir(), 'demo.db');
  let catalog: Catalog;
  let findings: Finding[];

  beforeAll(async () => {
    const scan = await nhi(['scan', '--demo', '--catalog', catalogPath]);
    expect(scan.code, scan.stderr).toBe(0);
    catalog = openCatalog(catalogPath, { readonly: true });
    findings = catalog.findings(catalog.latestRun()!.id);
  }, 120_000);

  afterAll(() => catalog?.close());

  it('scores every present credential and identity, and no band is below its worst finding', () => {
    const run = catalog.latestRun()!;
    const snapshot = catalog.snapshot(run.id)!;
    const scores = catalog.scores(run.id);
    expect(expectBandsCoverWorstFindings(findings, scores, snapshot)).toBeGreaterThan(300);
    // The issue's cases: the root key and the role with the critical OIDC finding are critical.
    for (const rule of ['root-access-key', 'oidc-trust-no-subject']) {
      const f = findings.find((x) => x.ruleId === rule)!;
      expect(scores.get(f.subjectId)!.band, rule).toBe('critical');
    }
  });

  it('list --band, report --min-severity and check --fail-on take the same words and reject others', async () => {
    const critical = await nhi([
      'list',
      '--band',
      'critical',
      '--format',
      'json',
      '--catalog',
      catalogPath,
    ]);
    expect(critical.code).toBe(0);
    const rows = JSON.parse(critical.stdout) as { band: string; score: number }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.band === 'critical' && r.score >= 75)).toBe(true);
    const report = await nhi([
      'report',
      '--min-severity',
      'CRITICAL',
      '--format',
      'json',
      '--catalog',
      catalogPath,
    ]);
    expect(report.code).toBe(0);
    for (const [flag, cmd] of [
      ['--band', 'list'],
      ['--min-severity', 'report'],
      ['--fail-on', 'check'],
    ] as const) {
      const bad = await nhi([cmd, flag, 'severe', '--catalog', catalogPath]);
      expect(bad.code, `${cmd} ${flag}`).toBe(2);
      expect(bad.stderr).toContain(
        `${flag} 'severe': not a severity (use one of critical, high, medium, low)`,
      );
    }
  });

  it('every fix a finding names works: each playbook plans for its subject, root keys get manual steps', async () => {
    const failing = findings.filter((f) => f.outcome === 'fail');
    expect(failing.every((f) => f.fix !== undefined)).toBe(true);
    let planned = 0;
    for (const f of failing) {
      const fix = f.fix!;
      if ('manual' in fix) {
        expect(fixSteps(f)?.steps.length, `${f.ruleId} ${fix.manual}`).toBeGreaterThan(0);
        continue;
      }
      if (fix.playbook === 'trim') {
        // Trim acts on the identity, whichever subject the unused grant was recorded on; a write
        // deploy key is replaced by a read-only one, delivered to a sink.
        expect(['unused-grant', 'deploy-key-write']).toContain(f.ruleId);
        expect(fix.command).toMatch(
          f.ruleId === 'unused-grant'
            ? /^nhi trim i-\S+$/
            : /^nhi trim i-\S+ --sink <scheme>:<target>$/,
        );
        continue;
      }
      expect(fix.command).toContain(f.subjectId);
      const sink =
        fix.playbook === 'rotate' ? parseSinkSpec(`file:${join(tempDir(), 'new.env')}`) : null;
      await expect(
        makePlan(
          catalog.store(),
          fix.playbook as 'revoke' | 'rotate',
          f.subjectId,
          sink,
          SETTINGS,
          loadActions,
        ),
        `${f.ruleId} ${f.subjectId}`,
      ).resolves.toMatchObject({ credentialId: f.subjectId });
      planned += 1;
    }
    expect(planned).toBeGreaterThan(50);
    const root = failing.find((f) => f.ruleId === 'root-access-key')!;
    expect(root.fix).toHaveProperty('manual');
    expect(fixSteps(root)!.steps.join(' ')).toContain('root user');
    // …because the playbook refuses it, which is why the fix is manual.
    await expect(
      makePlan(catalog.store(), 'revoke', root.subjectId, null, SETTINGS, loadActions),
    ).rejects.toThrow(/root/);
    const providers = new Set<ProviderId>(
      failing.filter((f) => f.fix && 'playbook' in f.fix).map((f) => f.provider),
    );
    expect([...providers].sort()).toEqual(['anthropic', 'aws', 'azure', 'gcp', 'github', 'openai']);
    // A person's OpenAI project key cannot be created through the Admin API: rotation is manual.
    const personal = failing.filter(
      (f) =>
        f.ruleId === 'credential-rotation' &&
        f.provider === 'openai' &&
        f.credentialExternalId === 'key_ravi_notebook',
    );
    expect(personal).toHaveLength(1);
    expect(personal[0]!.fix).toEqual({ manual: 'rule:credential-rotation' });
  });
});
