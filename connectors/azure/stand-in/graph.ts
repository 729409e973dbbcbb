/**
 * Microsoft Graph v1.0 and beta over the estate: organization, applications and service
 * principals ($select, $expand=owners, by id or appId), their federated credentials and app
 * role assignments, delegated grants, the beta sign-in reports, and addPassword/removePassword
 * (minted secrets really sign in). Paging with @odata.nextLink.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Route, StandInRequest, StandInResponse } from '../../../src/connector/stand-in.js';
import type {
  EstateApplication,
  EstateAppRoleAssignment,
  EstatePassword,
  EstateServicePrincipal,
} from './estate.js';
import { HttpError, page, type StandInState } from './state.js';

type DirectoryObject = EstateApplication | EstateServicePrincipal;
type Kind = 'application' | 'servicePrincipal';

export function graphRoutes(state: StandInState): Route[] {
  const { estate } = state;
  const list = (req: StandInRequest, items: unknown[]) =>
    page(state, req, items, '@odata.nextLink');
  const collection = (name: string): { items: DirectoryObject[]; kind: Kind } =>
    name === 'applications'
      ? { items: estate.applications, kind: 'application' }
      : { items: estate.servicePrincipals, kind: 'servicePrincipal' };
  /** `/applications/{id}` or `/applications(appId='…')`. */
  const find = (name: string, id: string | undefined, appId: string | undefined) => {
    const { items, kind } = collection(name);
    const key = appId ?? id ?? '';
    const obj = items.find((o) => (appId ? o.appId === key : o.id === key));
    if (!obj)
      throw new HttpError(
        404,
        'Request_ResourceNotFound',
        `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
      );
    return { obj, kind };
  };
  const objectPath = String.raw`\/v1\.0\/(?<coll>applications|servicePrincipals)(\/(?<id>[^/(]+)|\(appId='(?<appId>[^']+)'\))`;
  const reports =
    /\/beta\/reports\/(?<report>servicePrincipalSignInActivities|appCredentialSignInActivities)/;

  return [
    {
      method: 'GET',
      path: /\/v1\.0\/organization/,
      handle: (req) => {
        const t = estate.tenant;
        return list(req, [
          {
            id: t.id,
            displayName: t.displayName,
            verifiedDomains: [
              {
                name: t.domain,
                isDefault: true,
                isInitial: true,
                type: 'Managed',
                capabilities: 'None',
              },
            ],
          },
        ]);
      },
    },
    {
      method: 'GET',
      path: /\/v1\.0\/(?<coll>applications|servicePrincipals)/,
      handle: (req, { coll }) => {
        const { items, kind } = collection(coll!);
        return list(
          req,
          items.map((o) => shape(o, kind, req.query)),
        );
      },
    },
    {
      method: 'GET',
      path: new RegExp(objectPath),
      handle: (req, p) => {
        const { obj, kind } = find(p.coll!, p.id, p.appId);
        return { body: shape(obj, kind, req.query) };
      },
    },
    {
      method: 'POST',
      path: new RegExp(`${objectPath}/addPassword`),
      handle: (req, p) => addPassword(state, find(p.coll!, p.id, p.appId).obj, req),
    },
    {
      method: 'POST',
      path: new RegExp(`${objectPath}/removePassword`),
      handle: (req, p) => removePassword(state, find(p.coll!, p.id, p.appId).obj, req.text()),
    },
    {
      method: 'GET',
      path: /\/v1\.0\/applications\/(?<id>[^/]+)\/owners/,
      handle: (req, { id }) =>
        list(req, (find('applications', id, undefined).obj as EstateApplication).owners),
    },
    {
      method: 'GET',
      path: /\/v1\.0\/applications\/(?<id>[^/]+)\/federatedIdentityCredentials/,
      handle: (req, { id }) =>
        list(
          req,
          (find('applications', id, undefined).obj as EstateApplication)
            .federatedIdentityCredentials,
        ),
    },
    {
      method: 'GET',
      path: /\/v1\.0\/servicePrincipals\/(?<id>[^/]+)\/appRoleAssignments/,
      handle: (req, { id }) => {
        const sp = find('servicePrincipals', id, undefined).obj;
        return list(
          req,
          estate.appRoleAssignments.filter((a) => a.principalId === sp.id),
        );
      },
    },
    {
      method: 'POST',
      path: /\/v1\.0\/servicePrincipals\/(?<id>[^/]+)\/appRoleAssignments$/,
      handle: (req, { id }) => {
        const sp = find('servicePrincipals', id, undefined).obj;
        const body = req.json() as Partial<EstateAppRoleAssignment>;
        const resource = estate.servicePrincipals.find((x) => x.id === body.resourceId);
        if (body.principalId !== sp.id || !resource || !body.appRoleId)
          throw new HttpError(
            400,
            'Request_BadRequest',
            'Invalid principalId, resourceId or appRoleId.',
          );
        // Graph refuses a second identical assignment (it does not return the first one).
        if (
          estate.appRoleAssignments.some(
            (a) =>
              a.principalId === sp.id &&
              a.resourceId === resource.id &&
              a.appRoleId === body.appRoleId,
          )
        )
          throw new HttpError(
            400,
            'Request_BadRequest',
            'Permission being assigned already exists on the object.',
          );
        const created: EstateAppRoleAssignment = {
          id: randomBytes(24).toString('base64url'),
          appRoleId: body.appRoleId,
          principalId: sp.id,
          principalType: 'ServicePrincipal',
          principalDisplayName: sp.displayName ?? null,
          resourceId: resource.id,
          resourceDisplayName: resource.displayName ?? null,
          createdDateTime: state.clock().toISOString(),
        } as EstateAppRoleAssignment;
        estate.appRoleAssignments.push(created);
        return { status: 201, body: created };
      },
    },
    {
      method: 'DELETE',
      path: /\/v1\.0\/servicePrincipals\/(?<id>[^/]+)\/appRoleAssignments\/(?<aid>[^/]+)/,
      handle: (_req, { id, aid }) => {
        const sp = find('servicePrincipals', id, undefined).obj;
        const i = estate.appRoleAssignments.findIndex(
          (a) => a.id === aid && a.principalId === sp.id,
        );
        if (i < 0)
          throw new HttpError(404, 'Request_ResourceNotFound', `Resource '${aid}' does not exist.`);
        estate.appRoleAssignments.splice(i, 1);
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      path: /\/v1\.0\/oauth2PermissionGrants/,
      handle: (req) => {
        const client = /clientId eq '([^']+)'/.exec(req.query.get('$filter') ?? '')?.[1];
        return list(
          req,
          estate.oauth2PermissionGrants.filter((g) => !client || g.clientId === client),
        );
      },
    },
    {
      method: 'GET',
      path: /\/v1\.0\/reports\/(?<report>[^/]+)/,
      handle: (_req, { report }) => {
        throw new HttpError(400, 'BadRequest', `Resource not found for the segment '${report}'.`);
      },
    },
    {
      method: 'GET',
      path: reports,
      handle: (req, { report }) => {
        if (!estate.signInReports.available)
          throw new HttpError(
            403,
            'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
            "Neither tenant is B2C or tenant doesn't have premium license",
          );
        return list(
          req,
          report === 'servicePrincipalSignInActivities'
            ? spActivities(state)
            : credentialActivities(state),
        );
      },
    },
  ];
}

function spActivities({ estate }: StandInState) {
  return estate.signInReports.servicePrincipals.map((s) => {
    const activity = {
      lastSignInDateTime: s.lastSignInDateTime,
      lastSignInRequestId: s.lastSignInDateTime ? randomUUID() : null,
    };
    const none = { lastSignInDateTime: null, lastSignInRequestId: null };
    return {
      id: s.appId,
      appId: s.appId,
      lastSignInActivity: activity,
      applicationAuthenticationClientSignInActivity: activity,
      applicationAuthenticationResourceSignInActivity: none,
      delegatedClientSignInActivity: none,
      delegatedResourceSignInActivity: none,
    };
  });
}

function credentialActivities({ estate }: StandInState) {
  // Indexed once per page: a find per credential made every page cost apps × credentials.
  const apps = new Map(estate.applications.map((a) => [a.appId, a]));
  const sps = new Map(estate.servicePrincipals.map((s) => [s.appId, s]));
  return estate.signInReports.credentials.map((c) => {
    const app = apps.get(c.appId);
    const sp = sps.get(c.appId);
    const cred = [...(app?.passwordCredentials ?? []), ...(app?.keyCredentials ?? [])].find(
      (k) => k.keyId === c.keyId,
    );
    return {
      id: `${c.appId}${c.keyId}`,
      keyId: c.keyId,
      keyType: c.keyType,
      keyUsage: c.keyType === 'certificate' ? 'verify' : null,
      appId: c.appId,
      appObjectId: app?.id ?? null,
      servicePrincipalObjectId: sp?.id ?? null,
      resourceId: null,
      credentialOrigin: c.credentialOrigin,
      createdDateTime: cred?.startDateTime ?? null,
      expirationDateTime: cred?.endDateTime ?? null,
      signInActivity: {
        lastSignInDateTime: c.lastSignInDateTime,
        lastSignInRequestId: c.lastSignInDateTime ? randomUUID() : null,
      },
    };
  });
}

/** An object as Graph returns it: navigation properties only through $expand, $select honoured. */
function shape(obj: DirectoryObject, kind: Kind, query: URLSearchParams) {
  const full: Record<string, unknown> = { '@odata.type': `#microsoft.graph.${kind}`, ...obj };
  delete full.owners;
  delete full.federatedIdentityCredentials;
  const select = query.get('$select');
  const out: Record<string, unknown> = select
    ? Object.fromEntries(
        Object.entries(full).filter(([k]) => k === 'id' || select.split(',').includes(k)),
      )
    : full;
  const expand = query.get('$expand') ?? '';
  if (/^owners(\(|$)/.test(expand) && 'owners' in obj) {
    const ownerSelect = /\$select=([^)]+)/.exec(expand)?.[1]?.split(',');
    out.owners = obj.owners.map((o) =>
      ownerSelect
        ? Object.fromEntries(
            Object.entries(o).filter(([k]) => k === '@odata.type' || ownerSelect.includes(k)),
          )
        : o,
    );
  }
  return out;
}

function addPassword(
  state: StandInState,
  obj: DirectoryObject,
  req: StandInRequest,
): StandInResponse {
  const input =
    (JSON.parse(req.text() || '{}') as { passwordCredential?: Partial<EstatePassword> })
      .passwordCredential ?? {};
  const now = state.clock();
  const secretText = `${randomBytes(3).toString('hex').slice(0, 3)}8Q~${randomBytes(27).toString('base64url')}`;
  const cred = {
    keyId: randomUUID(),
    displayName: input.displayName ?? null,
    hint: secretText.slice(0, 3),
    startDateTime: input.startDateTime ?? now.toISOString(),
    endDateTime: input.endDateTime ?? new Date(now.getTime() + 730 * 86_400_000).toISOString(),
  } as EstatePassword;
  obj.passwordCredentials.push(cred);
  state.minted.set(cred.keyId, secretText);
  return {
    body: {
      '@odata.context': `${req.origin}/v1.0/$metadata#microsoft.graph.passwordCredential`,
      customKeyIdentifier: null,
      ...cred,
      secretText,
    },
  };
}

function removePassword(state: StandInState, obj: DirectoryObject, body: string): StandInResponse {
  const keyId = (JSON.parse(body || '{}') as { keyId?: string }).keyId;
  const index = obj.passwordCredentials.findIndex((p) => p.keyId === keyId);
  if (index < 0)
    throw new HttpError(
      400,
      'Request_BadRequest',
      `No password credential found with keyId '${keyId}'.`,
    );
  obj.passwordCredentials.splice(index, 1);
  if (keyId) state.minted.delete(keyId);
  return { status: 204 };
}
