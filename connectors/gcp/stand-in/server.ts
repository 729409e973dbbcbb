/**
 * A local stand-in for the Google Cloud REST APIs nhi uses, on one 127.0.0.1 port, built on
 * the stand-in kit (faults, latency, request log): IAM v1, Cloud Resource Manager v3, Policy
 * Analyzer v1, Recommender v1, API Keys v2 and the OAuth 2.0 token endpoint. API calls need a
 * bearer token: the configured one, or one the token endpoint issued. Errors are Google's
 * google.rpc `{error:{code,message,status}}`.
 */
import {
  router,
  serveStandIn,
  type Route,
  type StandInResponse,
  type StandInServer,
} from '../../../src/connector/stand-in.js';
import type { GcpEstate } from './estate.js';
import { iamRoutes } from './iam.js';
import { insightRoutes } from './insights.js';
import { resourceManagerRoutes } from './resourcemanager.js';
import { RpcError, createState, rpcError, type StandInState } from './state.js';
import { jwtBearerToken } from './token.js';

export const GCP_STAND_IN_TOKEN = 'ya29.nhi-stand-in-token';

export interface GcpStandIn extends StandInServer {
  token: string;
  /** The live estate (mutated by key actions). */
  estate: GcpEstate;
}

export interface GcpStandInOptions {
  estate: GcpEstate;
  latencyMs?: number;
  /** Bearer token the stand-in accepts. */
  token?: string;
  /** Largest page the server returns whatever pageSize asks (Google caps too). */
  pageSizeCap?: number;
  /** Clock for new keys' validAfterTime and token expiry; the demo pins it. */
  now?: () => Date;
}

/**
 * The OAuth 2.0 host (`oauth2.googleapis.com/token`): unauthenticated, answers by grant type
 * (token.ts; the JWT-bearer grant verifies the signature with a key the stand-in issued).
 * An access token it issues is accepted by the APIs from then on.
 */
function tokenRoute(s: StandInState, issued: Set<string>): Route {
  return {
    method: 'POST',
    path: /\/token/,
    handle: (req) => {
      const reply = jwtBearerToken(s.estate, new URLSearchParams(req.text()), s.now());
      if (reply.status === 200 && typeof reply.body.access_token === 'string')
        issued.add(reply.body.access_token);
      return reply;
    },
  };
}

export async function startGcpStandIn(options: GcpStandInOptions): Promise<GcpStandIn> {
  const token = options.token ?? GCP_STAND_IN_TOKEN;
  const issued = new Set<string>([token]);
  const state = createState({
    estate: structuredClone(options.estate),
    now: options.now ?? (() => new Date()),
    pageSizeCap: options.pageSizeCap ?? 1000,
  });
  // Every API route needs a token the stand-in knows; the token endpoint needs none.
  const authenticated = (routes: Route[]): Route[] =>
    routes.map((r) => ({
      ...r,
      handle: (req, params) => {
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (!bearer || !issued.has(bearer))
          throw new RpcError(
            401,
            'UNAUTHENTICATED',
            'Request had invalid authentication credentials. Expected OAuth 2 access token.',
          );
        return r.handle(req, params);
      },
    }));
  const routes = router(
    [
      tokenRoute(state, issued),
      ...authenticated([
        ...iamRoutes(state),
        ...resourceManagerRoutes(state),
        ...insightRoutes(state),
      ]),
    ],
    (req) => rpcError(404, `The requested URL ${req.path} was not found on this server.`),
  );

  const server = await serveStandIn(
    async (req): Promise<StandInResponse> => {
      try {
        return await routes(req);
      } catch (e) {
        if (e instanceof RpcError) return rpcError(e.code, e.message, e.status);
        throw e;
      }
    },
    {
      ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
      errorBody: (status) => rpcError(status),
    },
  );
  return Object.assign(server, { token, estate: state.estate });
}
