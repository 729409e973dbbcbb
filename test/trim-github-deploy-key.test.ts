/**
 * GitHub deploy keys narrowed and rotated by nhi itself, through the built CLI against the
 * GitHub stand-in (real Octokit, payloads checked against @octokit/openapi elsewhere):
 * - `nhi trim <repo>` plans a write key unused in the window as a read-only replacement, with
 *   its evidence; a key used recently has no evidence either way and needs --confirm-unused;
 * - `--sink … --apply` adds a read-only key, delivers an OpenSSH private key that opens it,
 *   verifies, then deletes the old key; `--cutover in-use` waits with both keys, and rollback
 *   then deletes the new key and keeps the old one;
 * - `nhi rotate <deploy key>` keeps the old key's access;
 * - hostile titles come back as the new keys' titles exactly (plus the marker), and no
 *   terminal sees their control characters; the private key is in no output and not in the
 *   catalog.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../src/model/index.js';
import { makeTestContext } from '../src/connector/testing.js';
import { openCatalog } from '../src/catalog/index.js';
import { parseEnvFile } from '../src/playbooks/sinks/file.js';
import { connector as github, DEMO_TOKEN } from '../connectors/github/index.js';
import { buildGitHubDemoEstate } from '../connectors/github/stand-in/demo.js';
import { startGitHubStandIn, type GitHubStandIn } from '../connectors/github/stand-in/server.js';
import type { GitHubEstate } from '../connectors/github/stand-in/estate.js';
import { fingerprintOfPrivateKey, PRIVATE_KEY_NAME } from '../connectors/github/deploy-keys.js';
import { sshFingerprint } from '../connectors/github/map/keys.js';
import {
  HOSTILE_ORG,
  HOSTILE_TOKEN,
  PAYLOADS,
  TERMINAL_UNSAFE,
  hostileGitHubEstate,
} from '../fixtures/hostile/index.js';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

const ORG = 'orbital-freight';
const MARKER = / \(nhi rotation \d{4}-\d{2}-\d{2}\)$/;
const hasSshKeygen = spawnSync('ssh-keygen', ['-?']).error === undefined;

interface World {
  gh: GitHubStandIn;
  dir: string;
  run(args: string[]): ReturnType<typeof nhi>;
  keys(repo: string): GitHubEstate['orgs'][number]['repos'][number]['deployKeys'];
  catalog: string;
}

let open: GitHubStandIn | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

async function world(estate: GitHubEstate, org: string, token: string): Promise<World> {
  const gh = (open = await startGitHubStandIn({ estate }));
  const dir = tempDir('nhi-deploy-key-');
  const catalog = join(dir, 'catalog.db');
  const config = join(dir, 'nhi.config.json');
  const options = { orgs: [org], apiUrl: gh.url, retryAfterBaseValue: 1 };
  writeFileSync(config, JSON.stringify({ providers: { github: options } }));
  // Scanned in-process (faster than a CLI scan); the CLI then plans and applies.
  const now = new Date();
  const c = openCatalog(catalog);
  const runId = c.beginRun({ providers: ['github'], demo: false, version: 'test', now });
  const ctx = makeTestContext({ now, options, env: { GITHUB_TOKEN: token } });
  for await (const r of github.discover(ctx)) c.writeScope(runId, r, 0);
  c.finishRun(runId, 'ok', now);
  c.close();
  const env = scrubbedEnv({ GITHUB_TOKEN: token });
  return {
    gh,
    dir,
    catalog,
    run: (args) => nhi([...args, '--catalog', catalog, '--config', config], { env }),
    keys: (repo) =>
      gh.estate.orgs.find((o) => o.login === org)!.repos.find((r) => r.name === repo)!.deployKeys,
  };
}

const demoWorld = () => world(buildGitHubDemoEstate(new Date()), ORG, DEMO_TOKEN);

/** `nhi rotate <id> --sink file:<sink> --cutover now --apply --yes`. */
const rotateNow = (w: World, id: string, sink: string) =>
  w.run(['rotate', id, '--sink', `file:${sink}`, '--cutover', 'now', '--apply', '--yes']);

/** `nhi trim repo:ORG/<repo> --sink file:<sink> … --apply --yes` on the demo organization. */
const applyTrim = (w: World, repo: string, sink: string, ...extra: string[]) =>
  w.run(['trim', `repo:${ORG}/${repo}`, '--sink', `file:${sink}`, ...extra, '--apply', '--yes']);

/** The private key a sink file holds, its public half's fingerprint checked by ssh-keygen too. */
function sinkKey(path: string): { privateKey: string; fingerprint: string } {
  const values = parseEnvFile(readFileSync(path, 'utf8'))!;
  const privateKey = values[PRIVATE_KEY_NAME]!;
  expect(privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
  const keyFile = `${path}.key`;
  writeFileSync(keyFile, privateKey, { mode: 0o600 });
  // OpenSSH itself reads the file where it is installed; sshpk (what wrote it) otherwise.
  const fingerprint = hasSshKeygen
    ? sshFingerprint(execFileSync('ssh-keygen', ['-y', '-f', keyFile], { encoding: 'utf8' }))
    : fingerprintOfPrivateKey(privateKey);
  expect(fingerprint).toMatch(/^SHA256:/);
  return { privateKey, fingerprint: fingerprint! };
}

function noSecretAnywhere(w: World, privateKey: string, outputs: string[]): void {
  const body = privateKey.split('\n')[2]!; // a line of the key's base64 body
  for (const o of outputs) {
    expect(o).not.toContain('PRIVATE KEY');
    expect(o).not.toContain(body);
  }
  for (const f of readdirSync(w.dir).filter((x) => x.startsWith('catalog.db'))) {
    const bytes = readFileSync(join(w.dir, f)).toString('latin1');
    expect(bytes).not.toContain('PRIVATE KEY');
    expect(bytes).not.toContain(body);
  }
}

describe('nhi trim: a write deploy key replaced by a read-only one', () => {
  it('plans the replacement with its evidence, and --apply without --sink changes nothing', async () => {
    const w = await demoWorld();
    const r = await w.run(['trim', `repo:${ORG}/k8s-manifests`, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = (JSON.parse(r.stdout) as { plan: Plan }).plan;
    expect(plan.trim!.replacements).toEqual([
      expect.objectContaining({
        credentialExternalId: `deploy-key:${ORG}/k8s-manifests:91002`,
        replacement: expect.objectContaining({ access: 'read', evidenced: true }),
      }),
    ]);
    expect(plan.trim!.replacements![0]!.replacement.why).toMatch(
      /never used .* so its write access is unused/,
    );
    const text = await w.run(['trim', `repo:${ORG}/k8s-manifests`]);
    expect(text.stdout).toMatch(/with nhi: nhi trim repo:orbital-freight\/k8s-manifests --sink/);
    const refused = await w.run(['trim', `repo:${ORG}/k8s-manifests`, '--apply', '--yes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/add --sink <scheme>:<target>.*nothing was changed/);
    expect(w.keys('k8s-manifests').map((k) => k.id)).toEqual([91002, 91003]);
  });

  it('applies: a read-only key whose private key is in the sink, then the old key is gone', async () => {
    const w = await demoWorld();
    const sink = join(w.dir, 'argocd.env');
    const r = await applyTrim(w, 'k8s-manifests', sink, '--cutover', 'now');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Rotate deploy key .*:91002 .* to a read-only one into file:/);
    expect(r.stdout).toMatch(/run 1: done/);
    const keys = w.keys('k8s-manifests');
    expect(keys.map((k) => k.id)).not.toContain(91002);
    const fresh = keys.find((k) => MARKER.test(k.title))!;
    expect(fresh).toMatchObject({ readOnly: true, enabled: true });
    expect(fresh.title.replace(MARKER, '')).toBe('argocd-write');
    const { privateKey, fingerprint } = sinkKey(sink);
    expect(sshFingerprint(fresh.publicKey!)).toBe(fingerprint);
    noSecretAnywhere(w, privateKey, [r.stdout, r.stderr]);
    const show = await w.run(['playbook', 'show', '1', '--format', 'json']);
    noSecretAnywhere(w, privateKey, [show.stdout]);
  });

  it('a key used in the window needs --confirm-unused; with it, the replacement runs', async () => {
    const w = await demoWorld();
    const sink = join(w.dir, 'pages.env');
    const args = ['trim', `repo:${ORG}/docs-site`, '--sink', `file:${sink}`, '--cutover', 'now'];
    const plan = await w.run(['trim', `repo:${ORG}/docs-site`]);
    expect(plan.stdout).toMatch(
      /- contents:write +last used 3 days ago \(GitHub\), and GitHub does not record whether a deploy key pushed: the scan has no evidence either way .*applying needs --confirm-unused/,
    );
    const refused = await w.run([...args, '--apply', '--yes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no evidence .* add --confirm-unused/);
    const runs = await w.run(['playbook', 'list', '--format', 'json']);
    expect(JSON.parse(runs.stdout)).toEqual([]);
    expect(w.keys('docs-site').map((k) => [k.title, k.readOnly])).toEqual([
      ['pages-publish', false],
    ]);
    const ok = await w.run([...args, '--confirm-unused', '--apply', '--yes']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/confirmed unused by the user \(--confirm-unused\)/);
    expect(w.keys('docs-site').map((k) => k.readOnly)).toEqual([true]);
  });

  it('a key used since the scan has lost its evidence: it needs --confirm-unused', async () => {
    const w = await demoWorld();
    w.keys('k8s-manifests').find((k) => k.id === 91002)!.lastUsed = new Date().toISOString();
    const sink = join(w.dir, 'argocd.env');
    const r = await applyTrim(w, 'k8s-manifests', sink);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /no evidence .*deploy-key:orbital-freight\/k8s-manifests:91002.* --confirm-unused/,
    );
    expect(w.keys('k8s-manifests').map((k) => k.id)).toEqual([91002, 91003]);
  });

  it('with the default cut-over both keys stay until the new one is used; rollback keeps the old', async () => {
    const w = await demoWorld();
    const sink = join(w.dir, 'argocd.env');
    const r = await applyTrim(w, 'k8s-manifests', sink);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/run 1: waiting/);
    expect(w.keys('k8s-manifests')).toHaveLength(3);
    const back = await w.run(['playbook', 'rollback', '1', '--yes']);
    expect(back.code, back.stderr).toBe(0);
    expect(w.keys('k8s-manifests').map((k) => [k.id, k.readOnly])).toEqual([
      [91002, false],
      [91003, true],
    ]);
  });

  it('the new key in use ends the wait: resume --due retires the old key', async () => {
    const w = await demoWorld();
    const sink = join(w.dir, 'argocd.env');
    await applyTrim(w, 'k8s-manifests', sink);
    const fresh = w.keys('k8s-manifests').find((k) => MARKER.test(k.title))!;
    fresh.lastUsed = new Date(Date.now() + 5 * 60_000).toISOString();
    const r = await w.run(['playbook', 'resume', '--due', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(w.keys('k8s-manifests').map((k) => k.id)).toEqual([91003, fresh.id]);
  });
});

describe('nhi rotate <deploy key>', () => {
  it("keeps the key's access, and a key GitHub lists with other access is not accepted", async () => {
    const w = await demoWorld();
    const c = openCatalog(w.catalog, { readonly: true });
    const id = c.snapshot()!.credentials.find((x) => x.name === 'atlantis-deploy')!.id;
    c.close();
    const sink = join(w.dir, 'atlantis.env');
    const r = await rotateNow(w, id, sink);
    expect(r.code, r.stderr).toBe(0);
    const [fresh] = w.keys('infra-terraform');
    expect(fresh).toMatchObject({ readOnly: false });
    expect(fresh!.title).toMatch(/^atlantis-deploy \(nhi rotation \d{4}-\d{2}-\d{2}\)$/);
    expect(sshFingerprint(fresh!.publicKey!)).toBe(sinkKey(sink).fingerprint);

    // Again, with GitHub answering that the new key is read-only: the proof fails, the new key
    // is deleted and the old one (the first rotation's) is untouched.
    const again = await w.run(['scan', '--provider', 'github']);
    expect(again.code, again.stderr).not.toBe(null);
    const c2 = openCatalog(w.catalog, { readonly: true });
    const id2 = c2.snapshot()!.credentials.find((x) => x.externalId.endsWith(`:${fresh!.id}`))!.id;
    c2.close();
    w.gh.faults.add({
      path: new RegExp(`/keys/${fresh!.id + 1}$`),
      method: 'GET',
      times: 1,
      status: 200,
      body: {
        id: fresh!.id + 1,
        key: fresh!.publicKey,
        url: 'x',
        title: 't',
        verified: true,
        created_at: new Date().toISOString(),
        read_only: true,
        added_by: null,
        last_used: null,
        enabled: true,
      },
    });
    const sink2 = join(w.dir, 'atlantis2.env');
    const bad = await rotateNow(w, id2, sink2);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/sink-verify\) failed: .*deploy key/);
    expect(w.keys('infra-terraform').map((k) => k.id)).toEqual([fresh!.id]);
  });
});

describe('hostile deploy-key titles', () => {
  it('each write key becomes a read-only key titled exactly as before, plus the marker', async () => {
    const w = await world(hostileGitHubEstate(new Date()), HOSTILE_ORG, HOSTILE_TOKEN);
    const before = w.keys('api').map((k) => k.title);
    const args = ['trim', `repo:${HOSTILE_ORG}/api`, '--cutover', 'now', '--confirm-unused'];
    const one = await w.run([
      ...args,
      '--sink',
      `file:${join(w.dir, 'k.env')}`,
      '--apply',
      '--yes',
    ]);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/put \{credential\} in --sink/);
    const planOnly = await w.run([
      ...args,
      '--sink',
      `file:${join(w.dir, 'keys')}/{credential}.env`,
    ]);
    expect(planOnly.code).toBe(2);
    expect(planOnly.stderr).toMatch(/planned and run together with --apply; nothing was planned/);
    const r = await w.run([
      ...args,
      '--sink',
      `file:${join(w.dir, 'keys')}/{credential}.env`,
      '--apply',
      '--yes',
    ]);
    // The keys directory does not exist yet: refused before anything changed.
    expect(r.code).toBe(2);
    expect(w.keys('api').map((k) => k.title)).toEqual(before);
    execFileSync('mkdir', [join(w.dir, 'keys')]);
    const ok = await w.run([
      ...args,
      '--sink',
      `file:${join(w.dir, 'keys')}/{credential}.env`,
      '--apply',
      '--yes',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const after = w.keys('api');
    expect(after.every((k) => k.readOnly && MARKER.test(k.title))).toBe(true);
    expect(after.map((k) => k.title.replace(MARKER, '')).sort()).toEqual([...before].sort());
    expect(TERMINAL_UNSAFE.exec(ok.stdout)).toBeNull();
    expect(TERMINAL_UNSAFE.exec(ok.stderr)).toBeNull();
    expect(ok.stdout).not.toMatch(/^FAKE/m);
    const files = readdirSync(join(w.dir, 'keys'));
    expect(files).toHaveLength(Object.keys(PAYLOADS).length);
    // Each sink file opens exactly one of the new keys.
    const fps = new Set(after.map((k) => sshFingerprint(k.publicKey!)));
    for (const f of files) expect(fps.has(sinkKey(join(w.dir, 'keys', f)).fingerprint)).toBe(true);
  }, 120_000);
});
