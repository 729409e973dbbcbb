/**
 * Cloud Resource Manager v3 on the stand-in: projects (get, list by parent, search),
 * folders, getIamPolicy on projects/folders/organization, projects.testIamPermissions.
 */
import type { iam_v1 } from '@googleapis/iam';
import type { Route } from '../../../src/connector/stand-in.js';
import type { StandInBinding, StandInProject } from './estate.js';
import { RpcError, requireParent, type StandInState } from './state.js';

function renderProject(p: StandInProject) {
  return {
    name: `projects/${p.projectNumber}`,
    parent: p.parent,
    projectId: p.projectId,
    state: p.state ?? 'ACTIVE',
    displayName: p.displayName,
    createTime: p.createTime,
    updateTime: p.createTime,
    etag: `W/"${p.projectNumber}"`,
    labels: p.labels ?? {},
  };
}

/** Changes with every write, as Google's does: a read-modify-write sends it back. */
const etagOf = (revision: number) =>
  Buffer.from(`BwYKw3u0T5E=${revision}`).toString('base64').slice(0, 12);

/** The IAM policy shape is shared by every Google API (the IAM SDK's Schema$Policy). */
function renderPolicy(bindings: StandInBinding[], revision = 0): iam_v1.Schema$Policy {
  const conditional = bindings.some((b) => b.condition);
  return {
    version: conditional ? 3 : 1,
    etag: revision === 0 ? 'BwYKw3u0T5E=' : etagOf(revision),
    bindings: bindings.map((b) => ({
      role: b.role,
      members: [...b.members],
      ...(b.condition ? { condition: b.condition } : {}),
    })),
  };
}

const PROJECT_PAGE = { default: 100, max: 500 };

export function resourceManagerRoutes(s: StandInState): Route[] {
  const { estate } = s;
  const visible = (p: StandInProject) => !p.denied?.includes('cloudresourcemanager');
  const bindingsFor = (kind: string, id: string): StandInBinding[] => {
    if (kind === 'projects') return s.project(id, 'cloudresourcemanager').bindings;
    if (kind === 'organizations' && estate.organization?.id === id)
      return estate.organization.bindings;
    const folder = kind === 'folders' ? estate.folders?.find((f) => f.id === id) : undefined;
    if (folder) return folder.bindings;
    throw new RpcError(
      403,
      'PERMISSION_DENIED',
      `The caller does not have permission on ${kind}/${id}.`,
    );
  };
  return [
    {
      method: 'GET',
      path: /\/v3\/projects:search/,
      handle: (req) => {
        const query = req.query.get('query') ?? '';
        const parent = /parent:(\S+)/.exec(query)?.[1];
        const state = /state:(\S+)/.exec(query)?.[1];
        const found = estate.projects.filter(
          (p) =>
            (!parent || p.parent === parent) &&
            (!state || (p.state ?? 'ACTIVE') === state) &&
            visible(p),
        );
        return s.page(req, found.map(renderProject), 'projects', PROJECT_PAGE);
      },
    },
    {
      method: 'GET',
      path: /\/v3\/projects/,
      handle: (req) => {
        const parent = requireParent(req.query);
        const found = estate.projects.filter((p) => p.parent === parent && visible(p));
        return s.page(req, found.map(renderProject), 'projects', PROJECT_PAGE);
      },
    },
    {
      method: 'GET',
      path: /\/v3\/folders/,
      handle: (req) => {
        const parent = requireParent(req.query);
        const found = (estate.folders ?? [])
          .filter((f) => f.parent === parent)
          .map((f) => ({
            name: `folders/${f.id}`,
            displayName: f.displayName,
            parent: f.parent,
            state: 'ACTIVE',
          }));
        return s.page(req, found, 'folders', PROJECT_PAGE);
      },
    },
    {
      method: 'GET',
      path: /\/v3\/projects\/(?<p>[^/:]+)/,
      handle: (_req, { p }) => ({ body: renderProject(s.project(p!, 'cloudresourcemanager')) }),
    },
    {
      method: 'POST',
      path: /\/v[13]\/projects\/(?<p>[^/:]+):testIamPermissions/,
      handle: (req, { p }) => {
        // The subset of the asked permissions the caller holds; an empty subset omits the field.
        const project = s.project(p!, 'cloudresourcemanager');
        const asked = (req.json() as { permissions?: unknown }).permissions;
        if (!Array.isArray(asked) || asked.some((x) => typeof x !== 'string'))
          throw new RpcError(400, 'INVALID_ARGUMENT', 'permissions must be a list of strings.');
        const held = (asked as string[]).filter(
          (x) =>
            (project.callerPermissions?.includes(x) ?? true) &&
            !(x.startsWith('iam.') && project.denied?.includes('iam')),
        );
        return {
          body: (held.length
            ? { permissions: held }
            : {}) satisfies iam_v1.Schema$TestIamPermissionsResponse,
        };
      },
    },
    {
      method: 'POST',
      path: /\/v3\/(?<kind>projects|folders|organizations)\/(?<id>[^/:]+):getIamPolicy/,
      handle: (_req, { kind, id }) => ({
        body: renderPolicy(
          bindingsFor(kind!, id!),
          kind === 'projects' ? (s.project(id!, 'cloudresourcemanager').policyRevision ?? 0) : 0,
        ),
      }),
    },
    {
      // Projects only (what trim writes): the etag must be the current one, else 409 ABORTED.
      method: 'POST',
      path: /\/v3\/projects\/(?<id>[^/:]+):setIamPolicy/,
      handle: (req, { id }) => {
        const project = s.project(id!, 'cloudresourcemanager');
        const body = req.json() as iam_v1.Schema$SetIamPolicyRequest;
        const policy = body.policy;
        if (!policy || !Array.isArray(policy.bindings ?? []))
          throw new RpcError(400, 'INVALID_ARGUMENT', 'policy is required.');
        const revision = project.policyRevision ?? 0;
        if (project.policyConflicts) {
          // Someone else's write lands first: the caller's etag is now stale.
          project.policyConflicts -= 1;
          project.policyRevision = revision + 1;
          throw new RpcError(
            409,
            'ABORTED',
            'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.',
          );
        }
        if (policy.etag && policy.etag !== renderPolicy([], revision).etag)
          throw new RpcError(
            409,
            'ABORTED',
            'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.',
          );
        project.bindings = (policy.bindings ?? []).map((b) => ({
          role: b.role ?? '',
          members: [...(b.members ?? [])],
          ...(b.condition
            ? {
                condition: {
                  title: b.condition.title ?? '',
                  expression: b.condition.expression ?? '',
                  ...(b.condition.description ? { description: b.condition.description } : {}),
                },
              }
            : {}),
        }));
        project.policyRevision = revision + 1;
        return { body: renderPolicy(project.bindings, project.policyRevision) };
      },
    },
  ];
}
