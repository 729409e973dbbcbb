/**
 * The crash matrix's GitHub deploy-key worlds: `nhi rotate <write deploy key> --sink file:…`
 * and `nhi trim <repository> --sink file:…` (the same rotation, to a read-only key) on the
 * GitHub stand-in. The questions are asked of the stand-in's repository and the sink file
 * themselves: is the old key still there, or does the file hold a private key whose public
 * half GitHub lists, enabled, with the intended access.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestContext } from '../src/connector/testing.js';
import { openCatalog } from '../src/catalog/index.js';
import { parseEnvFile } from '../src/playbooks/sinks/file.js';
import { buildGitHubDemoEstate } from '../connectors/github/stand-in/demo.js';
import { DEMO_TOKEN } from '../connectors/github/index.js';
import { startGitHubStandIn, type GitHubStandIn } from '../connectors/github/stand-in/server.js';
import { denied } from '../connectors/github/stand-in/faults.js';
import type { EstateDeployKey } from '../connectors/github/stand-in/estate.js';
import { fingerprintOfPrivateKey, PRIVATE_KEY_NAME } from '../connectors/github/deploy-keys.js';
import { sshFingerprint } from '../connectors/github/map/keys.js';
import { configDir, scannedCopy, type Leg, type World } from './playbooks-worlds.js';

const ORG = 'orbital-freight';
const REPO = 'k8s-manifests';
const OLD_TITLE = 'argocd-write';

/** The repository's keys in the stand-in. */
export function repoKeys(gh: GitHubStandIn): EstateDeployKey[] {
  return gh.estate.orgs.find((o) => o.login === ORG)!.repos.find((r) => r.name === REPO)!
    .deployKeys;
}

/** The key the sink file's private key opens, as the stand-in lists it; null if none. */
export function keyInFile(gh: GitHubStandIn, path: string): EstateDeployKey | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const values = parseEnvFile(text);
  const fp = fingerprintOfPrivateKey(values?.[PRIVATE_KEY_NAME] ?? '');
  if (!fp) return null;
  return (
    repoKeys(gh).find((k) => k.publicKey !== undefined && sshFingerprint(k.publicKey) === fp) ??
    null
  );
}

/**
 * kind 'rotate': `nhi rotate` of the write key argocd-write (same access);
 * kind 'trim': `nhi trim repo:…/k8s-manifests`, which replaces it by a read-only key.
 */
export function githubDeployKeyLeg(kind: 'rotate' | 'trim'): Leg {
  return {
    provider: kind === 'rotate' ? 'github deploy key' : 'github trim',
    kind: 'rotate',
    async make(): Promise<World> {
      const now = new Date();
      const gh = await startGitHubStandIn({ estate: buildGitHubDemoEstate(now) });
      const options = { orgs: [ORG], apiUrl: gh.url, retryAfterBaseValue: 1 };
      const catalog = await scannedCopy('github-demo', 'github', () =>
        makeTestContext({ now, options, env: { GITHUB_TOKEN: DEMO_TOKEN } }),
      );
      const c = openCatalog(catalog, { readonly: true });
      const old = c
        .snapshot()!
        .credentials.find((x) => x.type === 'deploy-key' && x.name === OLD_TITLE)!;
      c.close();
      const oldId = Number(old.attributes.keyId);
      const before = repoKeys(gh).map((k) => k.id);
      const all = gh.estate.orgs.flatMap((o) => o.repos.flatMap((r) => r.deployKeys));
      const firstNewId = Math.max(...all.map((k) => k.id)) + 1;
      const sinkFile = join(mkdtempSync(join(tmpdir(), 'nhi-deploy-key-')), 'deploy-key.env');
      const readOnly = kind === 'trim';
      const oldThere = () => repoKeys(gh).some((k) => k.id === oldId);
      /** null when the sink holds a key GitHub lists, enabled, with the intended access. */
      const sinkServes = (): string | null => {
        const k = keyInFile(gh, sinkFile);
        if (!k) return 'the sink file holds no key GitHub lists';
        if (!k.enabled) return `the sink's key ${k.id} is disabled`;
        if (k.readOnly !== readOnly) return `the sink's key ${k.id} has read_only ${k.readOnly}`;
        return null;
      };
      const added = () => repoKeys(gh).filter((k) => !before.includes(k.id));
      return {
        args:
          kind === 'rotate'
            ? ['rotate', old.id, '--sink', `file:${sinkFile}`, '--cutover', 'now']
            : ['trim', `repo:${ORG}/${REPO}`, '--sink', `file:${sinkFile}`, '--cutover', 'now'],
        env: { NHI_CATALOG: catalog, GITHUB_TOKEN: DEMO_TOKEN },
        cwd: configDir({ github: options }),
        async invariant() {
          if (oldThere()) return null;
          const why = sinkServes();
          return why && `the old key is deleted and ${why}`;
        },
        async finished() {
          if (oldThere()) return 'the old key is still there';
          const why = sinkServes();
          if (why) return why;
          const n = added();
          if (n.length !== 1) return `${n.length} new keys on the repository (1 expected)`;
          if (!/^argocd-write \(nhi rotation \d{4}-\d{2}-\d{2}\)$/.test(n[0]!.title))
            return `the new key is titled ${JSON.stringify(n[0]!.title)}`;
          return null;
        },
        async restored(out) {
          if (oldThere())
            return added().length === 0
              ? null
              : `new keys left behind: ${added()
                  .map((k) => k.id)
                  .join(', ')}`;
          if (!/cannot be restored/.test(out)) return 'the old key is gone without saying so';
          return sinkServes();
        },
        // The proof reads the new key back: GitHub answers 404 once, as if it were not listed.
        failVerifyOnce: async () => {
          gh.faults.add({ ...denied(new RegExp(`/keys/${firstNewId}$`), 404), times: 1 });
        },
        close: () => gh.close(),
      };
    },
  };
}
