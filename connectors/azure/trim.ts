/**
 * `nhi trim` on Azure: removes a service principal's RBAC role assignments and Entra app role
 * assignments it has not needed for the window. Azure reports use per service principal, not
 * per assignment, so the evidence is the SP's last sign-in (Graph's beta sign-in activity
 * report) together with each assignment's age: an assignment older than the window of an SP
 * that has not signed in within it is unused; an SP that signed in keeps every assignment (nhi
 * cannot tell which one it used). Rollback recreates the exact assignment (same role
 * definition, scope, principal and condition; same app role, resource and principal): Azure
 * gives it a new id, which rollback records. Azure refuses a second identical assignment (ARM:
 * 409 RoleAssignmentExists; Graph: 400 "already exists"), so a rollback that died between
 * creating and journaling finds its assignment there when run again and records its id: never
 * a duplicate. An existing assignment counts as restored only when it is the identical one.
 */
import { randomUUID } from 'node:crypto';
import {
  ApiError,
  UserError,
  type ConnectorContext,
  type GrantDocument,
  type TrimActions,
  type TrimSubject,
  type TrimUsage,
  type TrimWriteResult,
} from '../../src/connector/index.js';
import { createAzureClient, type AzureClient } from './client.js';
import { resolveSettings } from './options.js';

const REPORT = 'service principal sign-in activity (Graph beta)';

interface RbacDoc {
  kind: 'rbac';
  principalId: string;
  roleDefinitionId: string;
  scope: string;
  /** ABAC condition; absent when the assignment has none (the common case). */
  condition?: string;
}
interface AppRoleDoc {
  kind: 'app-role';
  principalId: string;
  resourceId: string;
  appRoleId: string;
}
type AssignmentDoc = RbacDoc | AppRoleDoc;

const text = (d: AssignmentDoc) => JSON.stringify(d);
function parse(t: string | null): AssignmentDoc | null {
  if (!t) return null;
  try {
    return JSON.parse(t) as AssignmentDoc;
  } catch {
    return null;
  }
}

function clientFor(ctx: ConnectorContext, subject: TrimSubject): AzureClient {
  return createAzureClient(ctx, resolveSettings(ctx.options, ctx.env), subject.scope.id).client;
}

function principalOf(subject: TrimSubject): { spId: string; appId: string | null } {
  const a = subject.attributes;
  const spId = typeof a.servicePrincipalId === 'string' ? a.servicePrincipalId : null;
  if (!spId)
    throw new UserError(`azure: ${subject.identityName} has no service principal in this tenant`);
  return { spId, appId: typeof a.appId === 'string' ? a.appId : null };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The SP's last sign-in: an ISO date, null (never), or undefined (the report is unavailable). */
async function lastSignIn(
  client: AzureClient,
  appId: string | null,
): Promise<string | null | undefined> {
  if (!appId) return undefined;
  try {
    const rows = await client.graphList(
      `/reports/servicePrincipalSignInActivities?$filter=appId eq '${appId}'`,
      'beta',
    );
    const row = rows.find((r) => str((r as Record<string, unknown>).appId) === appId) as
      { lastSignInActivity?: { lastSignInDateTime?: unknown } } | undefined;
    return str(row?.lastSignInActivity?.lastSignInDateTime) ?? null;
  } catch {
    return undefined; // no premium licence, denied: use is not known
  }
}

/** Role names by definition GUID (lower case), for people; none when they cannot be read. */
async function roleNames(
  client: AzureClient,
  subscriptionId: string,
): Promise<Map<string, string>> {
  try {
    const defs = await client.listRoleDefinitions(subscriptionId);
    return new Map(
      defs.flatMap((d) => {
        const name = str(d.name);
        const role = str(d.roleName);
        return name && role ? [[name.toLowerCase(), role] as const] : [];
      }),
    );
  } catch {
    return new Map();
  }
}

/** A resource's app role values (`User.Read.All`) by id; none when they cannot be read. */
async function appRoleNames(client: AzureClient, resourceId: string): Promise<Map<string, string>> {
  try {
    const r = await client.graphGet(`/servicePrincipals/${resourceId}?$select=id,appRoles`);
    const roles = (r.json as { appRoles?: { id?: unknown; value?: unknown }[] } | null)?.appRoles;
    return new Map(
      (roles ?? []).flatMap((x) => {
        const id = str(x.id);
        const value = str(x.value);
        return id && value ? [[id, value] as const] : [];
      }),
    );
  } catch {
    return new Map();
  }
}

async function readAll(ctx: ConnectorContext, subject: TrimSubject): Promise<GrantDocument[]> {
  const client = clientFor(ctx, subject);
  const { spId, appId } = principalOf(subject);
  const signIn = await lastSignIn(client, appId);
  const facts = { lastSignIn: signIn === undefined ? 'unknown' : signIn };
  const docs: GrantDocument[] = [];
  for (const sub of await client.listSubscriptions()) {
    const id = str((sub as Record<string, unknown>).subscriptionId);
    if (!id) continue;
    const mine = (await client.listRoleAssignments(id)).filter((a) => a.principalId === spId);
    const roles = mine.length ? await roleNames(client, id) : new Map<string, string>();
    for (const a of mine) {
      const d: RbacDoc = {
        kind: 'rbac',
        principalId: spId,
        roleDefinitionId: String(a.roleDefinitionId),
        scope: String(a.scope),
        ...(str(a.condition) ? { condition: str(a.condition)! } : {}),
      };
      const address = `rbac:${d.scope}|${d.roleDefinitionId.split('/').pop()}`.toLowerCase();
      if (docs.some((x) => x.address === address)) continue; // inherited, listed again
      const guid = d.roleDefinitionId.split('/').pop()!;
      docs.push({
        address,
        kind: 'assignment',
        name: `${roles.get(guid.toLowerCase()) ?? guid} at ${d.scope}`,
        document: text(d),
        version: String(a.id),
        owner: 'customer',
        changedAt: str(a.createdOn),
        facts,
      });
    }
  }
  const appRoles = new Map<string, Promise<Map<string, string>>>();
  for (const raw of await client.graphList(`/servicePrincipals/${spId}/appRoleAssignments`)) {
    const a = raw as Record<string, unknown>;
    const resourceId = String(a.resourceId);
    if (!appRoles.has(resourceId)) appRoles.set(resourceId, appRoleNames(client, resourceId));
    const role = (await appRoles.get(resourceId)!).get(String(a.appRoleId));
    const d: AppRoleDoc = {
      kind: 'app-role',
      principalId: spId,
      resourceId: String(a.resourceId),
      appRoleId: String(a.appRoleId),
    };
    docs.push({
      address: `app-role:${d.resourceId}|${d.appRoleId}`,
      kind: 'assignment',
      name: `${str(a.resourceDisplayName) ?? d.resourceId} app role ${role ?? d.appRoleId}`,
      document: text(d),
      version: String(a.id),
      owner: 'customer',
      changedAt: str(a.createdDateTime),
      facts,
    });
  }
  return docs.sort((x, y) => x.address.localeCompare(y.address));
}

export const trim: TrimActions = {
  // One assignment grants one role; its usage key is the assignment itself.
  permissionsOf: (doc) => (doc.document ? [{ permission: doc.name, service: doc.address }] : []),

  narrow: (doc, unused) =>
    unused.has(doc.address)
      ? { after: null, removed: [{ permission: doc.name, service: doc.address }] }
      : { after: doc.document, removed: [] },

  usageOf(docs, now): TrimUsage {
    const signIn = docs[0]?.facts.lastSignIn;
    const known = docs.length > 0 && signIn !== 'unknown';
    const at = typeof signIn === 'string' && signIn !== 'unknown' ? signIn : null;
    return {
      known,
      // Use is per service principal: each assignment carries the SP's last sign-in.
      services: new Map(known ? docs.map((d) => [d.address, at]) : []),
      observedAt: now.toISOString(),
      source: known
        ? `${REPORT}: ${at ? `last sign-in ${at.slice(0, 10)}` : 'no sign-in recorded'}`
        : `${REPORT} not available (it needs Entra ID P1/P2 and AuditLog.Read.All)`,
      ageCovered:
        'each assignment is judged by its own age (an assignment younger than the window is kept)',
    };
  },

  read: readAll,

  async write(ctx, subject, change, progress): Promise<TrimWriteResult> {
    const client = clientFor(ctx, subject);
    const now = (await readAll(ctx, subject)).find((d) => d.address === change.address);
    if (!now) return { requestId: null, detail: {} }; // already removed (a resumed run)
    // Only the assignment planned on is removed: one recreated meanwhile (a new id) or changed
    // is someone else's, and it is left alone.
    if (now.document !== change.before || now.version !== change.beforeVersion)
      throw new UserError(
        `azure: ${change.name} is not the assignment nhi planned to remove (${now.version === change.beforeVersion ? 'it changed' : `now ${now.version}`}); it was not removed: re-scan and plan again`,
      );
    const d = parse(change.before);
    if (d?.kind === 'rbac') await client.deleteRoleAssignment(now.version!);
    else
      await client.graphDelete(
        `/servicePrincipals/${d!.principalId}/appRoleAssignments/${now.version!}`,
      );
    progress?.('delete-assignment');
    return { requestId: null, detail: { removedId: now.version } };
  },

  async restore(ctx, subject, change, _written, progress) {
    const client = clientFor(ctx, subject);
    const d = parse(change.before);
    if (!d) throw new Error(`azure: ${change.name}: no previous assignment in the journal`);
    let id: string;
    try {
      id = await create(client, d);
    } catch (e) {
      if (!alreadyExists(e)) throw e;
      // Recreated by a run that died before journaling it, or by someone else: counts as
      // restored only when what holds the assignment is exactly the one removed.
      const now = (await readAll(ctx, subject)).find((x) => x.address === change.address);
      if (now?.document !== change.before)
        throw new UserError(
          `azure: ${change.name}: Azure says the assignment exists (${(e as ApiError).code}) but ${now ? 'it is not the one nhi removed' : 'nhi cannot see it'}; rollback refused for it: compare by hand with 'nhi playbook show --json'`,
        );
      return { requestId: null, detail: { newAssignmentId: now.version, existed: 'true' } };
    }
    progress?.('recreate-assignment');
    // Azure gives the recreated assignment a new id: recorded in the journal's undo result.
    return { requestId: null, detail: { newAssignmentId: id } };
  },
};

/** Creates the assignment `d` describes; returns its new id. */
async function create(client: AzureClient, d: AssignmentDoc): Promise<string> {
  if (d.kind === 'rbac')
    return client.createRoleAssignment(
      d.scope,
      randomUUID(),
      d.roleDefinitionId,
      d.principalId,
      d.condition,
    );
  const r = await client.graphPost(`/servicePrincipals/${d.principalId}/appRoleAssignments`, {
    principalId: d.principalId,
    resourceId: d.resourceId,
    appRoleId: d.appRoleId,
  });
  return String((r.json as { id?: unknown } | null)?.id ?? '');
}

/** Azure's refusal of a second identical assignment (ARM 409; Graph 400 "already exists"). */
const alreadyExists = (e: unknown) =>
  e instanceof ApiError &&
  ((e.status === 409 && e.code === 'RoleAssignmentExists') ||
    (e.status === 400 && /already exists on the object/i.test(e.message)));
