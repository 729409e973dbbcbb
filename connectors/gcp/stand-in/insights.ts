/**
 * What the stand-in knows about use and about keys beside IAM: Policy Analyzer v1
 * (last-authentication activities), Recommender v1 (IAM role recommendations) and API Keys v2.
 */
import type { Route } from '../../../src/connector/stand-in.js';
import { serviceAccountEmail, type StandInProject } from './estate.js';
import { RpcError, dailyObservation, type StandInState } from './state.js';

const SA_LAST_AUTH = 'serviceAccountLastAuthentication';
const KEY_LAST_AUTH = 'serviceAccountKeyLastAuthentication';

function activity(type: string, resource: string, when: string, detail: Record<string, unknown>) {
  const day = dailyObservation(when);
  return {
    fullResourceName: resource,
    activityType: type,
    observationPeriod: { startTime: day, endTime: day },
    activity: { lastAuthenticatedTime: day, ...detail },
  };
}

function renderActivities(project: StandInProject, type: string) {
  if (type !== SA_LAST_AUTH && type !== KEY_LAST_AUTH)
    throw new RpcError(400, 'INVALID_ARGUMENT', `Unsupported activity type: ${type}`);
  const out: unknown[] = [];
  for (const sa of project.serviceAccounts) {
    const email = serviceAccountEmail(project, sa);
    const saResource = `//iam.googleapis.com/projects/${project.projectId}/serviceAccounts/${email}`;
    const ids = { serviceAccountId: sa.uniqueId, projectNumber: project.projectNumber };
    if (type === SA_LAST_AUTH && sa.lastAuthenticatedTime)
      out.push(
        activity(type, saResource, sa.lastAuthenticatedTime, {
          serviceAccount: { ...ids, fullResourceName: saResource },
        }),
      );
    if (type === KEY_LAST_AUTH)
      for (const k of sa.keys) {
        if (!k.lastAuthenticatedTime) continue;
        const keyResource = `${saResource}/keys/${k.keyId}`;
        out.push(
          activity(type, keyResource, k.lastAuthenticatedTime, {
            serviceAccountKey: { ...ids, fullResourceName: keyResource },
          }),
        );
      }
  }
  return out;
}

function renderRecommendations(project: StandInProject, now: Date) {
  const resource = `//cloudresourcemanager.googleapis.com/projects/${project.projectId}`;
  const resourceType = 'cloudresourcemanager.googleapis.com/Project';
  return (project.recommendations ?? []).map((r, i) => {
    const remove = {
      action: 'remove',
      resourceType,
      resource,
      path: '/iamPolicy/bindings/*/members/*',
      pathFilters: {
        '/iamPolicy/bindings/*/condition/expression': '',
        '/iamPolicy/bindings/*/members/*': r.member,
        '/iamPolicy/bindings/*/role': r.role,
      },
    };
    const adds = (r.replacementRoles ?? []).map((role) => ({
      action: 'add',
      resourceType,
      resource,
      path: '/iamPolicy/bindings/*/members/-',
      value: r.member,
      pathFilters: {
        '/iamPolicy/bindings/*/condition/expression': '',
        '/iamPolicy/bindings/*/role': role,
      },
    }));
    const id = `${project.projectNumber}-${i.toString().padStart(4, '0')}`;
    return {
      name: `projects/${project.projectNumber}/locations/global/recommenders/google.iam.policy.Recommender/recommendations/${id}`,
      description:
        r.subtype === 'REMOVE_ROLE'
          ? 'This role has not been used during the observation window.'
          : 'Replace the current role with a smaller role to cover the permissions needed.',
      recommenderSubtype: r.subtype,
      lastRefreshTime: dailyObservation(now.toISOString()),
      primaryImpact: { category: 'SECURITY' },
      priority: 'P2',
      content: { operationGroups: [{ operations: [...adds, remove] }] },
      stateInfo: { state: r.state ?? 'ACTIVE' },
      etag: `"${id}-${r.state ?? 'ACTIVE'}"`,
    };
  });
}

function renderApiKeys(project: StandInProject) {
  return (project.apiKeys ?? []).map((k) => ({
    name: `projects/${project.projectNumber}/locations/global/keys/${k.uid}`,
    uid: k.uid,
    displayName: k.displayName,
    createTime: k.createTime,
    updateTime: k.createTime,
    etag: `W/"${k.uid.slice(0, 8)}"`,
    ...(k.restrictions ? { restrictions: k.restrictions } : {}),
    ...(k.serviceAccountEmail ? { serviceAccountEmail: k.serviceAccountEmail } : {}),
  }));
}

export function insightRoutes(s: StandInState): Route[] {
  return [
    {
      method: 'GET',
      path: /\/v1\/projects\/(?<p>[^/]+)\/locations\/global\/activityTypes\/(?<type>[^/]+)\/activities:query/,
      handle: (req, { p, type }) =>
        s.page(req, renderActivities(s.project(p!, 'policyanalyzer'), type!), 'activities', {
          default: 10,
          max: 1000,
        }),
    },
    {
      method: 'GET',
      path: /\/v1\/projects\/(?<p>[^/]+)\/locations\/global\/recommenders\/google\.iam\.policy\.Recommender\/recommendations/,
      handle: (req, { p }) =>
        s.page(
          req,
          renderRecommendations(s.project(p!, 'recommender'), s.now()),
          'recommendations',
          { default: 50, max: 1000 },
        ),
    },
    {
      // markClaimed / markSucceeded / markFailed: etag-checked state changes.
      method: 'POST',
      path: /\/v1\/projects\/(?<p>[^/]+)\/locations\/global\/recommenders\/google\.iam\.policy\.Recommender\/recommendations\/(?<id>[^/:]+):mark(?<to>Claimed|Succeeded|Failed)/,
      handle: (req, { p, id, to }) => {
        const project = s.project(p!, 'recommender');
        const rendered = renderRecommendations(project, s.now());
        const i = rendered.findIndex((r) => r.name.endsWith(`/${id}`));
        if (i < 0) throw new RpcError(404, 'NOT_FOUND', `Recommendation ${id} not found.`);
        const { etag } = req.json() as { etag?: unknown };
        if (etag !== rendered[i]!.etag)
          throw new RpcError(
            400,
            'FAILED_PRECONDITION',
            'The etag does not match the current one.',
          );
        project.recommendations![i]!.state = to!.toUpperCase() as 'CLAIMED';
        return { body: renderRecommendations(project, s.now())[i] };
      },
    },
    {
      method: 'GET',
      path: /\/v2\/projects\/(?<p>[^/]+)\/locations\/global\/keys/,
      handle: (req, { p }) =>
        s.page(req, renderApiKeys(s.project(p!, 'apikeys')), 'keys', { default: 300, max: 300 }),
    },
  ];
}
