/**
 * The Entra authority: instance discovery, the OpenID configuration, and the client-credentials
 * token endpoint. A wrong secret gets AADSTS7000215, an unknown app AADSTS700016, like Entra.
 * Tokens are unsigned JWT-shaped strings carrying tid, appid and (for Graph) roles.
 */
import { randomBytes } from 'node:crypto';
import type { Route, StandInRequest } from '../../../src/connector/stand-in.js';
import { MICROSOFT_GRAPH_APP_ID } from './estate.js';
import { HttpError, type StandInState } from './state.js';

export function authorityRoutes(state: StandInState): Route[] {
  const { estate } = state;
  const tenantOf = (req: StandInRequest, tenant: string) => {
    if (tenant !== estate.tenant.id && tenant !== estate.tenant.domain)
      throw new HttpError(400, 'invalid_tenant', `AADSTS90002: Tenant '${tenant}' not found.`);
    return `${req.origin}/${estate.tenant.id}`;
  };

  /** `roles`: values of the Microsoft Graph app roles assigned to the client's service principal. */
  const graphRolesClaim = (clientId: string, scope: string): { roles?: string[] } => {
    if (/vault/i.test(scope)) return {};
    const sp = estate.servicePrincipals.find((x) => x.appId === clientId);
    const graph = estate.servicePrincipals.find((x) => x.appId === MICROSOFT_GRAPH_APP_ID);
    if (!sp || !graph) return {};
    const roles = estate.appRoleAssignments
      .filter((a) => a.principalId === sp.id && a.resourceId === graph.id)
      .map((a) => graph.appRoles.find((r) => r.id === a.appRoleId)?.value)
      .filter((v): v is string => !!v);
    return roles.length ? { roles } : {};
  };

  const acceptsSecret = (clientId: string, secret: string): boolean => {
    if (estate.clients.some((c) => c.clientId === clientId && c.secret === secret)) return true;
    const app = estate.applications.find((a) => a.appId === clientId);
    const now = state.clock().getTime();
    return Boolean(
      app?.passwordCredentials.some(
        (p) =>
          state.minted.get(p.keyId) === secret &&
          Date.parse(p.endDateTime) > now &&
          Date.parse(p.startDateTime) <= now,
      ),
    );
  };

  return [
    {
      method: 'GET',
      path: /\/common\/discovery\/instance/,
      handle: (req) => {
        const host = new URL(req.origin).host;
        return {
          body: {
            tenant_discovery_endpoint: `${req.origin}/{tenant}/v2.0/.well-known/openid-configuration`,
            'api-version': '1.1',
            metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
          },
        };
      },
    },
    {
      method: 'GET',
      path: /\/(?<tenant>[^/]+)(\/v2\.0)?\/\.well-known\/openid-configuration/,
      handle: (req, { tenant }) => {
        const base = tenantOf(req, tenant!);
        return {
          body: {
            token_endpoint: `${base}/oauth2/v2.0/token`,
            authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
            device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
            end_session_endpoint: `${base}/oauth2/v2.0/logout`,
            issuer: `${base}/v2.0`,
            jwks_uri: `${base}/discovery/v2.0/keys`,
            response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
            token_endpoint_auth_methods_supported: [
              'client_secret_post',
              'private_key_jwt',
              'client_secret_basic',
            ],
            tenant_region_scope: 'EU',
          },
        };
      },
    },
    {
      method: 'POST',
      path: /\/(?<tenant>[^/]+)\/oauth2\/v2\.0\/token/,
      handle: (req, { tenant }) => {
        const base = tenantOf(req, tenant!);
        const form = new URLSearchParams(req.text());
        if (form.get('grant_type') !== 'client_credentials')
          throw new HttpError(
            400,
            'unsupported_grant_type',
            'AADSTS70003: The app requested an unsupported grant type.',
          );
        const clientId = form.get('client_id') ?? '';
        if (!acceptsSecret(clientId, form.get('client_secret') ?? '')) {
          const known =
            estate.clients.some((c) => c.clientId === clientId) ||
            estate.applications.some((a) => a.appId === clientId);
          if (!known)
            throw new HttpError(
              400,
              'unauthorized_client',
              `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${estate.tenant.domain}'.`,
            );
          throw new HttpError(
            401,
            'invalid_client',
            `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
          );
        }
        // Shaped like Entra's JWTs (unsigned here) so clients can read tid/appid/roles claims.
        // App-only tokens list the application permissions granted on the resource (Graph
        // here); Entra leaves the claim out when there are none.
        const claims = {
          aud: form.get('scope'),
          iss: `${base}/v2.0`,
          tid: estate.tenant.id,
          appid: clientId,
          ...graphRolesClaim(clientId, form.get('scope') ?? ''),
        };
        const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const accessToken = `${b64({ typ: 'JWT', alg: 'none' })}.${b64(claims)}.${randomBytes(24).toString('base64url')}`;
        state.tokens.add(accessToken);
        return {
          body: {
            token_type: 'Bearer',
            expires_in: 3599,
            ext_expires_in: 3599,
            access_token: accessToken,
          },
        };
      },
    },
  ];
}
