/**
 * The endpoints the connector and its playbook actions use, over a live GitHubEstate (writes
 * change it). Secrets endpoints are in secrets.ts.
 */
import { randomBytes } from 'node:crypto';
import type { StandInResponse } from '../../../src/connector/stand-in.js';
import type { EstateOrg, EstateRepo, GitHubEstate } from './estate.js';
import { HttpFailure, NOT_FOUND, bodyOf, paginate, type Ctx } from './http.js';
import * as r from './responses.js';

export interface RouteState {
  estate: GitHubEstate;
  /** Permissions GET /orgs/{org}/installation reports for the nhi App's installations. */
  installationPermissions?: Record<string, 'read' | 'write' | 'admin'>;
  /** Installation tokens issued through the App flow. */
  issuedTokens: string[];
}

export type Handlers = [string, (c: Ctx) => StandInResponse][];

const ok = (body: unknown): StandInResponse => ({ body });
const noContent: StandInResponse = { status: 204 };

export function finders(estate: GitHubEstate) {
  const findOrg = (login: string): EstateOrg => {
    const org = estate.orgs.find((o) => o.login.toLowerCase() === login.toLowerCase());
    if (!org) throw new HttpFailure(404, NOT_FOUND);
    return org;
  };
  const findRepo = (owner: string, name: string): [EstateOrg, EstateRepo] => {
    const org = findOrg(owner);
    const repo = org.repos.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!repo) throw new HttpFailure(404, NOT_FOUND);
    return [org, repo];
  };
  const findEnv = (owner: string, name: string, env: string) => {
    const [org, repo] = findRepo(owner, name);
    const e = repo.environments.find((x) => x.name === env);
    if (!e) throw new HttpFailure(404, NOT_FOUND);
    return { org, repo, env: e };
  };
  return { findOrg, findRepo, findEnv };
}

function needCaller(c: Ctx, kind: 'installation-token' | 'jwt', message: string): void {
  if (c.auth !== kind) throw new HttpFailure(kind === 'jwt' ? 401 : 403, message);
}

const PAT_ONLY_APPS = 'Resource not accessible by personal access token';
const BAD_JWT = 'A JSON web token could not be decoded';

/** Organizations, repositories, tokens, deploy keys, Apps and webhooks. */
export function inventoryRoutes(state: RouteState): Handlers {
  const { estate } = state;
  const { findOrg, findRepo } = finders(estate);
  return [
    ['GET /orgs/{org}', (c) => ok(r.organization(c.api, findOrg(c.params.org!)))],
    [
      'GET /orgs/{org}/repos',
      (c) => {
        const org = findOrg(c.params.org!);
        return paginate(
          c,
          org.repos.map((repo) => r.repository(c.api, org, repo)),
        );
      },
    ],
    [
      'GET /orgs/{org}/installation',
      (c) => {
        needCaller(c, 'jwt', BAD_JWT);
        const org = findOrg(c.params.org!);
        return ok(
          r.installation(c.api, org, {
            id: org.nhiInstallationId,
            appId: 1,
            appSlug: 'nhi-scanner',
            repositorySelection: 'all',
            permissions: state.installationPermissions ?? {
              organization_personal_access_tokens: 'write',
              administration: 'read',
              secrets: 'read',
            },
            events: [],
            createdAt: org.createdAt,
            updatedAt: org.createdAt,
            suspendedAt: null,
          }),
        );
      },
    ],
    [
      'POST /app/installations/{installation_id}/access_tokens',
      (c) => {
        needCaller(c, 'jwt', BAD_JWT);
        const id = Number(c.params.installation_id);
        if (!estate.orgs.some((o) => o.nhiInstallationId === id))
          throw new HttpFailure(404, NOT_FOUND);
        const token = `ghs_${randomBytes(18).toString('base64url')}`;
        state.issuedTokens.push(token);
        return {
          status: 201,
          body: {
            token,
            expires_at: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            repository_selection: 'all',
          },
        };
      },
    ],
    [
      'GET /orgs/{org}/personal-access-tokens',
      (c) => {
        needCaller(c, 'installation-token', PAT_ONLY_APPS);
        const org = findOrg(c.params.org!);
        return paginate(
          c,
          org.patGrants.map((g) => r.patGrant(c.api, org, g)),
        );
      },
    ],
    [
      'POST /orgs/{org}/personal-access-tokens/{pat_id}',
      (c) => {
        needCaller(c, 'installation-token', PAT_ONLY_APPS);
        const org = findOrg(c.params.org!);
        if ((bodyOf(c) as { action?: unknown } | null)?.action !== 'revoke')
          throw new HttpFailure(422, 'Invalid request.\n\n"action" must be "revoke".');
        const i = org.patGrants.findIndex((g) => g.id === Number(c.params.pat_id));
        if (i < 0) throw new HttpFailure(404, NOT_FOUND);
        org.patGrants.splice(i, 1);
        return noContent;
      },
    ],
    [
      'GET /orgs/{org}/credential-authorizations',
      (c) => {
        const org = findOrg(c.params.org!);
        if (!org.ghec) throw new HttpFailure(404, NOT_FOUND);
        const login = c.req.query.get('login');
        const list = org.credentialAuthorizations.filter((x) => !login || x.login === login);
        return paginate(c, list.map(r.credentialAuthorization));
      },
    ],
    [
      'DELETE /orgs/{org}/credential-authorizations/{credential_id}',
      (c) => {
        const org = findOrg(c.params.org!);
        if (!org.ghec) throw new HttpFailure(404, NOT_FOUND);
        const i = org.credentialAuthorizations.findIndex(
          (x) => x.credentialId === Number(c.params.credential_id),
        );
        if (i < 0) throw new HttpFailure(404, NOT_FOUND);
        org.credentialAuthorizations.splice(i, 1);
        return noContent;
      },
    ],
    [
      'GET /repos/{owner}/{repo}/keys',
      (c) => {
        const [org, repo] = findRepo(c.params.owner!, c.params.repo!);
        return paginate(
          c,
          repo.deployKeys.map((k) => r.deployKey(c.api, org, repo, k)),
        );
      },
    ],
    [
      'POST /repos/{owner}/{repo}/keys',
      (c) => {
        const [org, repo] = findRepo(c.params.owner!, c.params.repo!);
        const body = (bodyOf(c) ?? {}) as { title?: unknown; key?: unknown; read_only?: unknown };
        const key = typeof body.key === 'string' ? body.key.trim() : '';
        // GitHub keeps the key without its comment and rejects what is not an SSH public key.
        const parts =
          /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256) ([A-Za-z0-9+/]+={0,2})(?: .*)?$/.exec(key);
        if (!parts) throw new HttpFailure(422, 'Validation Failed: key is invalid');
        if (body.read_only !== undefined && typeof body.read_only !== 'boolean')
          throw new HttpFailure(422, 'Invalid request.\n\n"read_only" must be a boolean.');
        const publicKey = `${parts[1]} ${parts[2]}`;
        const all = estate.orgs.flatMap((o) => o.repos.flatMap((x) => x.deployKeys));
        if (all.some((k) => k.publicKey === publicKey))
          throw new HttpFailure(422, 'Validation Failed: key is already in use');
        const added = {
          id: Math.max(90_000, ...all.map((k) => k.id)) + 1,
          title: typeof body.title === 'string' ? body.title : '',
          readOnly: body.read_only === true,
          addedBy: null, // the stand-in does not know whose token it was
          createdAt: new Date().toISOString(),
          lastUsed: null,
          enabled: true,
          publicKey,
        };
        repo.deployKeys.push(added);
        return { status: 201, body: r.deployKey(c.api, org, repo, added) };
      },
    ],
    [
      'GET /repos/{owner}/{repo}/keys/{key_id}',
      (c) => {
        const [org, repo] = findRepo(c.params.owner!, c.params.repo!);
        const k = repo.deployKeys.find((x) => x.id === Number(c.params.key_id));
        if (!k) throw new HttpFailure(404, NOT_FOUND);
        return ok(r.deployKey(c.api, org, repo, k));
      },
    ],
    [
      'DELETE /repos/{owner}/{repo}/keys/{key_id}',
      (c) => {
        const [, repo] = findRepo(c.params.owner!, c.params.repo!);
        const i = repo.deployKeys.findIndex((x) => x.id === Number(c.params.key_id));
        if (i < 0) throw new HttpFailure(404, NOT_FOUND);
        repo.deployKeys.splice(i, 1);
        return noContent;
      },
    ],
    [
      'GET /apps/{app_slug}',
      (c) => {
        const slug = c.params.app_slug!.toLowerCase();
        const found = (estate.apps ?? []).find((a) => a.slug.toLowerCase() === slug);
        if (!found) throw new HttpFailure(404, NOT_FOUND);
        // GitHub answers 404 for a private App to anyone outside its owner account; callers
        // here act for the estate's orgs (and anonymous ones for nobody).
        const ownerHere = estate.orgs.some(
          (o) => o.login.toLowerCase() === found.owner.login.toLowerCase(),
        );
        if (!found.public && (!ownerHere || c.auth === 'none'))
          throw new HttpFailure(404, NOT_FOUND);
        return ok(r.app(c.api, found));
      },
    ],
    [
      'GET /orgs/{org}/installations',
      (c) => {
        const org = findOrg(c.params.org!);
        return paginate(
          c,
          org.installations.map((i) => r.installation(c.api, org, i)),
          'installations',
        );
      },
    ],
    [
      'GET /orgs/{org}/hooks',
      (c) => {
        const org = findOrg(c.params.org!);
        return paginate(
          c,
          org.hooks.map((h) => r.orgHook(c.api, org, h)),
        );
      },
    ],
    [
      'GET /repos/{owner}/{repo}/hooks',
      (c) => {
        const [org, repo] = findRepo(c.params.owner!, c.params.repo!);
        return paginate(
          c,
          repo.hooks.map((h) => r.repoHook(c.api, org, repo, h)),
        );
      },
    ],
    [
      'GET /repos/{owner}/{repo}/contents/{path}',
      (c) => {
        const [org, repo] = findRepo(c.params.owner!, c.params.repo!);
        const path = c.params.path!;
        if (!repo.codeowners || repo.codeowners.path !== path)
          throw new HttpFailure(404, NOT_FOUND);
        return ok(r.contentFile(c.api, org, repo, repo.codeowners));
      },
    ],
    [
      'GET /orgs/{org}/properties/values',
      (c) => {
        const org = findOrg(c.params.org!);
        return paginate(
          c,
          org.repos.map((repo) => r.propertyValues(org, repo)),
        );
      },
    ],
    [
      'GET /orgs/{org}/members',
      (c) => {
        const org = findOrg(c.params.org!);
        const ids = new Map(org.patGrants.map((g) => [g.owner.login, g.owner.id]));
        return paginate(
          c,
          r
            .memberLogins(org)
            .map((login) => r.user(c.api, { login, id: ids.get(login) ?? r.userId(login) })),
        );
      },
    ],
    [
      'GET /repos/{owner}/{repo}/environments',
      (c) => {
        const [org, repo] = findRepo(c.params.owner!, c.params.repo!);
        return paginate(
          c,
          repo.environments.map((e) => r.environment(c.api, org, repo, e)),
          'environments',
        );
      },
    ],
  ];
}
