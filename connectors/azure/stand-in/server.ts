/**
 * The Azure stand-in: one HTTPS server (the Azure SDKs refuse bearer tokens over http) on the
 * stand-in kit speaking the Entra authority, Microsoft Graph v1.0/beta and ARM, plus one HTTPS
 * server per Key Vault, all over one estate. Shapes follow the published REST references
 * (Graph: @odata.nextLink paging, {error:{code,message,innerError}}, JSON batching; ARM: nextLink,
 * AuthorizationFailed; the authority: OAuth errors with AADSTS codes). The kit brings the
 * faults (one shape, applied to batch steps too), latency and the request log; the certificate
 * is made in-process.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FaultSet,
  router,
  serveStandIn,
  standInCertificate,
  type Handler,
  type RequestRecord,
  type StandInRequest,
  type StandInServer,
} from '../../../src/connector/stand-in.js';
import { armRoutes } from './arm.js';
import { authorityRoutes } from './authority.js';
import { graphBatchRoute } from './batch.js';
import type { AzureEstate } from './estate.js';
import { graphRoutes } from './graph.js';
import { keyVaultHandler } from './keyvault.js';
import {
  HttpError,
  apiOf,
  bearer,
  defaultCode,
  errorBody,
  type Api,
  type StandInState,
  type StoredSecretVersion,
} from './state.js';

export type { StoredSecretVersion } from './state.js';

export interface AzureStandIn extends StandInServer {
  /** The stand-in's certificate (its own CA) as a PEM file, for the `caFile` option. */
  caFile: string;
  caPem: string;
  /** Live estate: addPassword/removePassword mutate it. */
  estate: AzureEstate;
  /** Key Vault contents as stored: vault -> secret -> versions (tests inspect them). */
  vaults: Map<string, Map<string, StoredSecretVersion[]>>;
  /** Vault name -> its URL (each vault has its own origin, like `https://name.vault.azure.net`). */
  vaultUrls: Record<string, string>;
  /** The steps of Graph JSON batches as they were served (`requests` logs the batch POST). */
  batchedRequests: RequestRecord[];
}

export interface StandInOptions {
  estate: AzureEstate;
  latencyMs?: number;
  /** Largest page served whatever $top asks (Graph: 999); tests shrink it to force paging. */
  maxPageSize?: number;
  /** Clock for secrets added through addPassword (the demo pins it). */
  now?: () => Date;
}

/** Runs a handler, answering its HttpErrors in the calling API's own error document. */
function answering(
  api: (req: StandInRequest) => Api,
  state: StandInState,
  handler: Handler,
): Handler {
  return async (req) => {
    let answer;
    try {
      answer = await handler(req);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      answer = errorBody(api(req), err, state.clock());
    }
    // Every Azure answer carries a request id (playbooks journal it).
    const id = randomUUID();
    return { ...answer, headers: { 'request-id': id, 'x-ms-request-id': id, ...answer.headers } };
  };
}

const NOT_FOUND: Record<Api, (path: string) => HttpError> = {
  authority: (path) => new HttpError(404, 'not_found', `No authority endpoint ${path}`),
  graph: (path) =>
    new HttpError(
      400,
      'BadRequest',
      `Resource not found for the segment '${path.split('/').slice(2).join('/')}'.`,
    ),
  arm: (path) =>
    new HttpError(
      404,
      'InvalidResourceType',
      `The resource type could not be found for '${path}'.`,
    ),
  keyvault: (path) => new HttpError(404, 'NotFound', path),
};

export async function startAzureStandIn(options: StandInOptions): Promise<AzureStandIn> {
  const tls = await standInCertificate();
  const estate = structuredClone(options.estate);
  let origin = '';
  const state: StandInState = {
    estate,
    clock: options.now ?? (() => new Date()),
    maxPageSize: options.maxPageSize ?? 999,
    tokens: new Set(),
    minted: new Map(),
    vaults: new Map(estate.keyVaults.map((v) => [v, new Map()])),
    origin: () => origin,
  };
  const apiOfRequest = (req: StandInRequest) => apiOf(req.path);
  const faultBody = (status: number, req: StandInRequest) =>
    errorBody(
      apiOfRequest(req),
      new HttpError(status, defaultCode(status, apiOfRequest(req)), 'Injected fault'),
      state.clock(),
    );
  const faults = new FaultSet();
  const batchedRequests: RequestRecord[] = [];
  const graph = router(graphRoutes(state), (req) => {
    throw NOT_FOUND.graph(req.path);
  });
  const apis = {
    authority: router(authorityRoutes(state), (req) => {
      throw NOT_FOUND.authority(req.path);
    }),
    graph: router(
      [
        graphBatchRoute({
          graph: answering(() => 'graph', state, graph),
          faults,
          errorBody: faultBody,
          log: batchedRequests,
        }),
      ],
      graph,
    ),
    arm: router(armRoutes(state), (req) => {
      throw NOT_FOUND.arm(req.path);
    }),
  };
  const main: Handler = (req) => {
    const api = apiOf(req.path);
    if (api !== 'authority') {
      const token = bearer(req);
      if (!token || !state.tokens.has(token))
        throw new HttpError(401, 'InvalidAuthenticationToken', 'Access token is empty or invalid.');
    }
    return apis[api as 'authority' | 'graph' | 'arm'](req);
  };
  const server = await serveStandIn(answering(apiOfRequest, state, main), {
    tls,
    faults,
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    errorBody: faultBody,
  });
  origin = server.url;
  const vaultServers = await Promise.all(
    estate.keyVaults.map(async (name) => ({
      name,
      server: await serveStandIn(
        answering(() => 'keyvault', state, keyVaultHandler(state, name)),
        // One fault set for the whole stand-in: a fault added through `faults` hits vaults too.
        {
          tls,
          faults: server.faults,
          errorBody: (status) =>
            errorBody(
              'keyvault',
              new HttpError(status, defaultCode(status, 'keyvault'), 'Injected fault'),
              state.clock(),
            ),
        },
      ),
    })),
  );
  const dir = await mkdtemp(join(tmpdir(), 'nhi-azure-stand-in-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, tls.cert, { mode: 0o600 });
  const close = server.close;
  return Object.assign(server, {
    caFile,
    caPem: tls.cert,
    estate,
    vaults: state.vaults,
    vaultUrls: Object.fromEntries(vaultServers.map((v) => [v.name, v.server.url])),
    batchedRequests,
    async close() {
      await Promise.all([close(), ...vaultServers.map((v) => v.server.close())]);
      await rm(dir, { recursive: true, force: true });
    },
  });
}
