/**
 * The crash matrix's worlds: for each provider, a fresh estate served by its stand-in (or
 * moto), scanned into a fresh catalog, a config that points the CLI at it, and the questions
 * the matrix asks of it — straight from the provider and the sink, never from nhi's journal:
 * does the invariant hold, did a resume finish the playbook, did a rollback restore the start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { makeTestContext } from '../src/connector/testing.js';
import type { ConnectorContext } from '../src/connector/index.js';
import { openCatalog } from '../src/catalog/index.js';
import type { ProviderId } from '../src/model/index.js';
import { loadConnector } from '../src/connector/registry.js';
import { startAzureStandIn, type AzureStandIn } from '../connectors/azure/stand-in/index.js';
import { AZURE_DEMO_SCANNER, buildAzureDemoEstate } from '../connectors/azure/stand-in/index.js';
import { COMPANY } from '../fixtures/demo/company.js';
import { NEVER_EXPIRES, type GcpEstate } from '../connectors/gcp/stand-in/estate.js';
import { startGcpStandIn, type GcpStandIn } from '../connectors/gcp/stand-in/server.js';
import { tokenFromKeyFile } from '../connectors/gcp/client.js';
import { buildGitHubDemoEstate } from '../connectors/github/stand-in/demo.js';
import { DEMO_TOKEN } from '../connectors/github/index.js';
import { startGitHubStandIn } from '../connectors/github/stand-in/server.js';
import type { AwsStandIn } from '../connectors/aws/stand-in/server.js';
import {
  awsEnv,
  CALLER,
  keyOf,
  keysOf,
  OLD_KEY,
  scanInto,
  startAws,
  tempCatalogPath,
} from './playbooks-harness.js';

/** What the matrix asks of a world; null = yes, else what is wrong. */
export interface World {
  /** The playbook command (without --apply/--yes). */
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Rotation: the old credential is active, or the sink holds a credential active at the provider. Revoke: nothing was deleted before its time. */
  invariant(): Promise<string | null>;
  /** After resume: the playbook's end state, as a run without a crash leaves it. */
  finished(): Promise<string | null>;
  /** After rollback: the start restored (or, for a deletion, said to be impossible). */
  restored(rollbackStdout: string): Promise<string | null>;
  /** Makes the sink verification (or the proof) fail exactly once. */
  failVerifyOnce(): Promise<void>;
  close(): Promise<void>;
}

export interface Leg {
  provider: string;
  kind: 'rotate' | 'revoke';
  make(): Promise<World>;
}

export function configDir(providers: Partial<Record<ProviderId, Record<string, unknown>>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nhi-matrix-'));
  writeFileSync(join(dir, 'nhi.config.json'), JSON.stringify({ providers }, null, 2));
  return dir;
}

async function scan(
  provider: ProviderId,
  path: string,
  ctx: ConnectorContext,
  now = new Date(),
): Promise<void> {
  const catalog = openCatalog(path);
  const runId = catalog.beginRun({ providers: [provider], demo: false, version: 'test', now });
  const c = await loadConnector(provider);
  for await (const r of c.discover(ctx)) catalog.writeScope(runId, r, 0);
  catalog.finishRun(runId, 'ok', now);
  catalog.close();
}

/**
 * A catalog scanned once per estate and copied for each world: the demo estates are
 * deterministic (same ids every time), and scanning a whole tenant for every case is slow.
 */
const templates = new Map<string, Promise<string>>();
export async function scannedCopy(
  key: string,
  provider: ProviderId,
  ctx: () => ConnectorContext,
): Promise<string> {
  let t = templates.get(key);
  if (!t) {
    t = (async () => {
      const path = tempCatalogPath();
      await scan(provider, path, ctx());
      return path;
    })();
    templates.set(key, t);
  }
  const copy = tempCatalogPath();
  copyFileSync(await t, copy);
  return copy;
}

/** A proxy in front of `target` that lets `fault` answer any request instead (real wire). */
export async function faultProxy(
  target: string,
  fault: (req: { method: string; url: string; target: string }) => {
    status: number;
    body: string;
    type: string;
  } | null,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const f = fault({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        target: String(req.headers['x-amz-target'] ?? ''),
      });
      if (f) {
        res.writeHead(f.status, { 'content-type': f.type });
        res.end(f.body);
        return;
      }
      const up = request(
        `${target}${req.url}`,
        { method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 500, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/* ---------------------------------------------------------------- AWS stand-in */

function awsSinkKey(s: AwsStandIn): { id: string; secret: string } | null {
  const raw = s.readSecret('222233334444', 'prod/ci-bot');
  if (!raw) return null;
  const v = JSON.parse(raw) as Record<string, string>;
  return { id: v.AWS_ACCESS_KEY_ID!, secret: v.AWS_SECRET_ACCESS_KEY! };
}

function awsKeyServes(s: AwsStandIn, k: { id: string; secret: string } | null): boolean {
  const key = k && keyOf(s, k.id);
  return Boolean(key && key.status === 'Active' && key.secret === k.secret);
}

/** Rotation into Secrets Manager, or revocation, of ci-bot's key on the AWS stand-in. */
export function awsLeg(kind: 'rotate' | 'revoke'): Leg {
  return {
    provider: 'aws',
    kind,
    async make() {
      const s = await startAws();
      const catalog = tempCatalogPath();
      await scanInto(catalog, s);
      const args =
        kind === 'rotate'
          ? ['rotate', OLD_KEY, '--sink', 'aws-secrets-manager:prod/ci-bot', '--cutover', 'now']
          : ['revoke', OLD_KEY];
      return awsWorld(kind, s, args, { ...awsEnv(s), NHI_CATALOG: catalog }, () => awsSinkKey(s), {
        failVerifyOnce: async () => {
          s.faults.add({ action: 'DescribeSecret', kind: 'AccessDenied', times: 1 });
        },
        close: () => s.close(),
      });
    },
  };
}

function awsWorld(
  kind: 'rotate' | 'revoke',
  s: AwsStandIn,
  args: string[],
  env: Record<string, string>,
  inSink: () => { id: string; secret: string } | null,
  rest: Pick<World, 'failVerifyOnce' | 'close'>,
): World {
  const old = () => keyOf(s, OLD_KEY);
  return {
    args,
    env,
    cwd: mkdtempSync(join(tmpdir(), 'nhi-matrix-')),
    async invariant() {
      if (kind === 'revoke') return old() ? null : `${OLD_KEY} was deleted before its grace period`;
      if (old()?.status === 'Active' || awsKeyServes(s, inSink())) return null;
      return `${OLD_KEY} is ${old()?.status ?? 'gone'} and the sink holds ${inSink()?.id ?? 'nothing'}, which does not sign in`;
    },
    async finished() {
      if (old()?.status !== 'Inactive')
        return `${OLD_KEY} is ${old()?.status ?? 'gone'}, not Inactive`;
      if (kind === 'revoke') return null;
      const k = inSink();
      if (!awsKeyServes(s, k))
        return `the sink holds ${k?.id ?? 'nothing'}, which is not an active key`;
      const others = keysOf(s).filter((x) => x.id !== OLD_KEY && x.id !== k!.id);
      return others.length ? `orphan keys left: ${others.map((x) => x.id).join(', ')}` : null;
    },
    async restored() {
      const keys = keysOf(s).map((k) => `${k.id}:${k.status}`);
      return keys.join() === `${OLD_KEY}:Active` ? null : `keys after rollback: ${keys.join(', ')}`;
    },
    ...rest,
  };
}

/**
 * The default cut-over on the AWS stand-in: the crash comes before the old key is retired, so
 * a finished run is one that waits, both keys active and the new one in the sink.
 */
export function awsCutoverLeg(): Leg {
  return {
    provider: 'aws (cut-over)',
    kind: 'rotate',
    async make() {
      const s = await startAws();
      const catalog = tempCatalogPath();
      await scanInto(catalog, s);
      const w = awsWorld(
        'rotate',
        s,
        ['rotate', OLD_KEY, '--sink', 'aws-secrets-manager:prod/ci-bot'],
        { ...awsEnv(s), NHI_CATALOG: catalog },
        () => awsSinkKey(s),
        {
          failVerifyOnce: async () => {
            s.faults.add({ action: 'DescribeSecret', kind: 'AccessDenied', times: 1 });
          },
          close: () => s.close(),
        },
      );
      return {
        ...w,
        async finished() {
          const k = awsSinkKey(s);
          if (keyOf(s, OLD_KEY)?.status !== 'Active')
            return 'the old key was retired before any use';
          if (!awsKeyServes(s, k)) return `the sink holds ${k?.id ?? 'nothing'}, not an active key`;
          return keysOf(s).length === 2 ? null : `${keysOf(s).length} keys (2 expected)`;
        },
      };
    },
  };
}

/* ---------------------------------------------------------------- GitHub as the sink */

/** An AWS key rotated into GitHub Actions secrets without a secret name (one per value). */
export function githubSinkLeg(): Leg {
  return {
    provider: 'github',
    kind: 'rotate',
    async make() {
      const s = await startAws();
      const gh = await startGitHubStandIn({ estate: buildGitHubDemoEstate(new Date()) });
      let gets = 0;
      let armed = false;
      // GitHub cannot be told to fail "the verify": a proxy fails the first read-back after
      // the put (the put reads each secret before and after writing it; verify reads it once).
      const proxy = await faultProxy(gh.url.replace(/\/$/, ''), (r) => {
        if (!armed || r.method !== 'GET' || !r.url.endsWith('/actions/secrets/AWS_ACCESS_KEY_ID'))
          return null;
        gets++;
        if (gets !== 3) return null;
        return { status: 404, type: 'application/json', body: '{"message":"Not Found"}' };
      });
      const catalog = tempCatalogPath();
      await scanInto(catalog, s);
      const cwd = configDir({
        github: { apiUrl: proxy.url, retryAfterBaseValue: 1 },
      });
      const inSink = () => {
        const last = (name: string) => gh.received.filter((x) => x.name === name).at(-1)?.value;
        const id = last('AWS_ACCESS_KEY_ID');
        const secret = last('AWS_SECRET_ACCESS_KEY');
        return id && secret ? { id, secret } : null;
      };
      const world = awsWorld(
        'rotate',
        s,
        [
          'rotate',
          OLD_KEY,
          '--sink',
          'github-actions:orbital-freight/k8s-manifests',
          '--cutover',
          'now',
        ],
        { ...awsEnv(s), NHI_CATALOG: catalog, GITHUB_TOKEN: DEMO_TOKEN },
        inSink,
        {
          failVerifyOnce: async () => {
            armed = true;
          },
          close: async () => {
            await proxy.close();
            await gh.close();
            await s.close();
          },
        },
      );
      return { ...world, cwd };
    },
  };
}

/* ---------------------------------------------------------------- GitHub deploy key */

export function githubRevokeLeg(): Leg {
  const org = 'orbital-freight';
  return {
    provider: 'github',
    kind: 'revoke',
    async make() {
      const now = new Date();
      const gh = await startGitHubStandIn({ estate: buildGitHubDemoEstate(now) });
      const catalog = tempCatalogPath();
      const options = { orgs: [org], apiUrl: gh.url, retryAfterBaseValue: 1 };
      await scan(
        'github',
        catalog,
        makeTestContext({ now, options, env: { GITHUB_TOKEN: DEMO_TOKEN } }),
      );
      const c = openCatalog(catalog, { readonly: true });
      const keyId = c
        .snapshot()!
        .credentials.find((x) => x.type === 'deploy-key' && x.name === 'argocd-write')!.id;
      c.close();
      const present = () =>
        gh.estate.orgs
          .find((o) => o.login === org)!
          .repos.find((r) => r.name === 'k8s-manifests')!
          .deployKeys.some((k) => k.title === 'argocd-write');
      return {
        args: ['revoke', keyId],
        env: { NHI_CATALOG: catalog, GITHUB_TOKEN: DEMO_TOKEN },
        cwd: configDir({ github: options }),
        invariant: async () => null, // a deploy key has no grace period: deletion is the plan
        finished: async () => (present() ? 'the deploy key is still there' : null),
        restored: async (out) =>
          present() || /cannot be restored/.test(out) ? null : 'gone without saying so',
        failVerifyOnce: async () => {},
        close: () => gh.close(),
      };
    },
  };
}

/* ---------------------------------------------------------------- Azure */

export function azureLeg(kind: 'rotate' | 'revoke'): Leg {
  return {
    provider: 'azure',
    kind,
    async make() {
      const now = new Date();
      const s: AzureStandIn = await startAzureStandIn({ estate: buildAzureDemoEstate(now) });
      const options = {
        tenantId: COMPANY.azureTenantId,
        authorityHost: s.url,
        graphEndpoint: s.url,
        armEndpoint: s.url,
        caFile: s.caFile,
        keyVaultUrls: s.vaultUrls,
        retry: { maxRetries: 2, retryDelayMs: 1, maxRetryDelayMs: 5 },
      };
      const env = {
        AZURE_CLIENT_ID: AZURE_DEMO_SCANNER.clientId,
        AZURE_CLIENT_SECRET: AZURE_DEMO_SCANNER.secret,
      };
      const catalog = await scannedCopy('azure', 'azure', () =>
        makeTestContext({ now, options, env }),
      );
      const c = openCatalog(catalog, { readonly: true });
      const old = c
        .snapshot()!
        .credentials.find((x) => x.type === 'client-secret' && x.name === 'rotation-2026')!;
      c.close();
      const credId = old.id;
      const app = () => s.estate.applications.find((a) => a.displayName === 'payments-api')!;
      const oldActive = () => app().passwordCredentials.some((p) => p.keyId === old.externalId);
      const vault = () => s.vaults.get('orbital-deploy-kv')!.get('payments-api-credentials') ?? [];
      /** Signs in with the vault's current value at the stand-in's token endpoint (real wire). */
      const sinkServes = async (): Promise<boolean> => {
        const latest = vault().at(-1);
        if (!latest) return false;
        const v = JSON.parse(latest.value) as Record<string, string>;
        const body = new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: v.AZURE_CLIENT_ID!,
          client_secret: v.AZURE_CLIENT_SECRET!,
          scope: `${s.url}/.default`,
        }).toString();
        return new Promise((resolve) => {
          const req = httpsRequest(
            `${s.url}/${COMPANY.azureTenantId}/oauth2/v2.0/token`,
            {
              method: 'POST',
              ca: s.caPem,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode === 200);
            },
          );
          req.on('error', () => resolve(false));
          req.end(body);
        });
      };
      const mine = () => app().passwordCredentials.filter((p) => p.keyId !== old.externalId);
      const before = mine().length;
      return {
        args:
          kind === 'rotate'
            ? [
                'rotate',
                credId,
                '--sink',
                'azure-key-vault:orbital-deploy-kv/payments-api-credentials',
                '--cutover',
                'now',
              ]
            : ['revoke', credId],
        env: { ...env, NHI_CATALOG: catalog },
        cwd: configDir({ azure: options }),
        async invariant() {
          if (kind === 'revoke' || oldActive() || (await sinkServes())) return null;
          return 'the old secret is gone and the vault holds none that signs in';
        },
        async finished() {
          if (oldActive()) return 'the old secret is still there';
          if (kind === 'revoke') return null;
          if (!(await sinkServes())) return 'the vault holds no secret that signs in';
          const extra = mine().length - before;
          return extra === 1 ? null : `${extra} new secrets on the app (1 expected)`;
        },
        async restored(out) {
          if (oldActive()) return mine().length === before ? null : 'a new secret was left behind';
          if (!/cannot be restored/.test(out)) return 'the old secret is gone without saying so';
          // Deleted for good: the new one is kept and must work (rotation).
          return kind === 'revoke' || (await sinkServes()) ? null : 'nothing works any more';
        },
        failVerifyOnce: async () => {
          s.faults.add({
            path: /\/secrets\/payments-api-credentials\/versions$/,
            status: 403,
            times: 1,
          });
        },
        close: () => s.close(),
      };
    },
  };
}

/* ---------------------------------------------------------------- GCP */

export const OLD_GCP = 'a'.repeat(40);

/** One service account with one user-managed key (the playbook tests' GCP estate). */
export function gcpEstate(): GcpEstate {
  return {
    projects: [
      {
        projectId: 'of-staging',
        projectNumber: '729104835512',
        displayName: 'Staging',
        parent: 'organizations/1',
        createTime: '2024-01-01T00:00:00Z',
        bindings: [],
        serviceAccounts: [
          {
            accountId: 'ci-deployer',
            uniqueId: '111111111111111111111',
            keys: [
              {
                keyId: OLD_GCP,
                keyType: 'USER_MANAGED',
                validAfterTime: '2026-03-01T00:00:00Z',
                validBeforeTime: NEVER_EXPIRES,
              },
            ],
          },
        ],
      },
    ],
  };
}

export function gcpLeg(kind: 'rotate' | 'revoke'): Leg {
  return {
    provider: 'gcp',
    kind,
    async make() {
      const s: GcpStandIn = await startGcpStandIn({ estate: gcpEstate() });
      const url = s.url;
      const options = {
        projects: ['of-staging'],
        rootUrls: {
          iam: url,
          cloudresourcemanager: url,
          policyanalyzer: url,
          recommender: url,
          apikeys: url,
          oauth2: url,
        },
        retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 },
      };
      const env = { NHI_GCP_ACCESS_TOKEN: s.token };
      const catalog = tempCatalogPath();
      await scan('gcp', catalog, makeTestContext({ options, env }));
      const c = openCatalog(catalog, { readonly: true });
      const credId = c.snapshot()!.credentials.find((x) => x.type === 'service-account-key')!.id;
      c.close();
      const sinkFile = join(mkdtempSync(join(tmpdir(), 'nhi-gcp-sink-')), 'sa.env');
      const keys = () => s.estate.projects[0]!.serviceAccounts[0]!.keys;
      const old = () => keys().find((k) => k.keyId === OLD_GCP);
      const sinkJson = (): string | null => {
        try {
          const line = readFileSync(sinkFile, 'utf8').trim();
          return JSON.parse(line.slice(line.indexOf('=') + 1)) as string;
        } catch {
          return null;
        }
      };
      /** The file's key signs a JWT-bearer grant the stand-in accepts (it checks the signature). */
      const sinkServes = async (): Promise<boolean> => {
        const json = sinkJson();
        if (!json) return false;
        try {
          await tokenFromKeyFile(json, url);
          return true;
        } catch {
          return false;
        }
      };
      return {
        args:
          kind === 'rotate'
            ? ['rotate', credId, '--sink', `file:${sinkFile}`, '--cutover', 'now']
            : ['revoke', credId],
        env: { ...env, NHI_CATALOG: catalog },
        cwd: configDir({ gcp: options }),
        async invariant() {
          if (kind === 'revoke')
            return old() ? null : 'the key was deleted before its grace period';
          if ((old() && !old()!.disabled) || (await sinkServes())) return null;
          return 'the old key is off and the sink file holds no key that signs in';
        },
        async finished() {
          if (!old()?.disabled) return 'the old key is not disabled';
          if (kind === 'revoke') return null;
          if (!(await sinkServes())) return 'the sink file holds no key that signs in';
          const extra = keys().filter((k) => k.keyId !== OLD_GCP).length;
          return extra === 1 ? null : `${extra} new keys (1 expected)`;
        },
        async restored() {
          const all = keys().map(
            (k) => `${k.keyId === OLD_GCP ? 'old' : 'new'}:${k.disabled ? 'off' : 'on'}`,
          );
          return all.join() === 'old:on' ? null : `keys after rollback: ${all.join(', ')}`;
        },
        failVerifyOnce: async () => {
          s.faults.add({
            path: '/token',
            status: 400,
            times: 1,
            body: { error: 'invalid_request', error_description: 'injected' },
          });
        },
        close: () => s.close(),
      };
    },
  };
}

/* ---------------------------------------------------------------- moto */

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A started moto server; its state is wiped (moto-api/reset) before it is lent again. */
interface Moto {
  url: string;
  stop(): void;
}

async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-p', String(port)], {
    stdio: 'ignore',
    env: { PATH: process.env.PATH ?? '' },
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('moto did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => child.kill('SIGKILL') };
}

/** moto keeps one state per process: each world borrows a server and resets it on return. */
const motoPool: Moto[] = [];
const motoAll: Moto[] = [];
async function borrowMoto(): Promise<Moto> {
  const m = motoPool.pop() ?? (await startMoto());
  if (!motoAll.includes(m)) motoAll.push(m);
  return m;
}
async function returnMoto(m: Moto): Promise<void> {
  await fetch(`${m.url}/moto-api/reset`, { method: 'POST' });
  motoPool.push(m);
}
export function stopMotos(): void {
  for (const m of motoAll) m.stop();
}

export function motoLeg(kind: 'rotate' | 'revoke'): Leg {
  return {
    provider: 'aws (moto)',
    kind,
    async make() {
      const moto = await borrowMoto();
      let describes = 0;
      let armed = false;
      // moto has no fault injection: a proxy refuses the first DescribeSecret once armed.
      const proxy = await faultProxy(moto.url, (r) => {
        if (!armed || !r.target.endsWith('.DescribeSecret') || describes++ > 0) return null;
        return {
          status: 400,
          type: 'application/x-amz-json-1.1',
          body: '{"__type":"AccessDeniedException","message":"injected"}',
        };
      });
      const creds = { accessKeyId: CALLER.accessKeyId, secretAccessKey: CALLER.secretAccessKey };
      const client = { endpoint: moto.url, region: 'us-east-1', credentials: creds };
      const iam = new IAMClient(client);
      await iam.send(new CreateUserCommand({ UserName: 'ci-bot' }));
      await iam.send(new CreateUserCommand({ UserName: 'nhi-operator' }));
      const oldKey = (await iam.send(new CreateAccessKeyCommand({ UserName: 'ci-bot' }))).AccessKey!
        .AccessKeyId!;
      const env = {
        AWS_ENDPOINT_URL: proxy.url,
        AWS_ACCESS_KEY_ID: CALLER.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CALLER.secretAccessKey,
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      const catalog = tempCatalogPath();
      await scan(
        'aws',
        catalog,
        makeTestContext({ env, options: { maxAttempts: 2, pollIntervalMs: 10 } }),
      );
      const sm = new SecretsManagerClient(client);
      const list = async () =>
        (
          (await iam.send(new ListAccessKeysCommand({ UserName: 'ci-bot' }))).AccessKeyMetadata ??
          []
        ).map((k) => ({ id: k.AccessKeyId!, status: k.Status! }));
      const inSink = async (): Promise<string | null> => {
        try {
          const out = await sm.send(new GetSecretValueCommand({ SecretId: 'prod/ci-bot' }));
          return (
            (JSON.parse(out.SecretString!) as Record<string, string>).AWS_ACCESS_KEY_ID ?? null
          );
        } catch {
          return null;
        }
      };
      const status = async (id: string | null) => (await list()).find((k) => k.id === id)?.status;
      return {
        args:
          kind === 'rotate'
            ? ['rotate', oldKey, '--sink', 'aws-secrets-manager:prod/ci-bot', '--cutover', 'now']
            : ['revoke', oldKey],
        env: { ...env, NHI_CATALOG: catalog },
        cwd: mkdtempSync(join(tmpdir(), 'nhi-matrix-')),
        async invariant() {
          const old = await status(oldKey);
          if (kind === 'revoke') return old ? null : 'the key was deleted before its grace period';
          if (old === 'Active' || (await status(await inSink())) === 'Active') return null;
          return `the old key is ${old ?? 'gone'} and the sink holds no active key`;
        },
        async finished() {
          if ((await status(oldKey)) !== 'Inactive') return 'the old key is not Inactive';
          if (kind === 'revoke') return null;
          const k = await inSink();
          if ((await status(k)) !== 'Active') return `the sink holds ${k}, not an active key`;
          const others = (await list()).filter((x) => x.id !== oldKey && x.id !== k);
          return others.length ? `orphan keys: ${others.map((x) => x.id).join(', ')}` : null;
        },
        async restored() {
          const keys = (await list()).map((k) => `${k.id}:${k.status}`).join();
          return keys === `${oldKey}:Active` ? null : `keys after rollback: ${keys}`;
        },
        failVerifyOnce: async () => {
          armed = true;
        },
        close: async () => {
          iam.destroy();
          sm.destroy();
          await proxy.close();
          await returnMoto(moto);
        },
      };
    },
  };
}
