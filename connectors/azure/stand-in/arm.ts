/**
 * Azure Resource Manager over the estate: subscriptions, role definitions and role assignments
 * (at, above and below a scope; `atScope()` and `principalId eq` filters), and Cognitive
 * Services accounts, whose listKeys answers the keys themselves (the connector never asks:
 * tests check it). Paging with nextLink.
 */
import type { Account } from '@azure/arm-cognitiveservices';
import type { RoleAssignmentCreateParameters } from '@azure/arm-authorization';
import type { Route, StandInRequest } from '../../../src/connector/stand-in.js';
import type { EstateCognitiveAccount, EstateSubscription } from './estate.js';
import { HttpError, page, type StandInState } from './state.js';

const COGNITIVE = 'Microsoft.CognitiveServices/accounts';

export function armRoutes(state: StandInState): Route[] {
  const { estate } = state;
  const list = (req: StandInRequest, items: unknown[]) => page(state, req, items, 'nextLink');
  const subscription = (id: string | undefined): EstateSubscription => {
    const sub = estate.subscriptions.find((s) => s.subscriptionId === id);
    if (!sub)
      throw new HttpError(
        404,
        'SubscriptionNotFound',
        `The subscription '${id}' could not be found.`,
      );
    return sub;
  };
  const defId = (sub: EstateSubscription, guid: string) =>
    `/subscriptions/${sub.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
  const definitions = (sub: EstateSubscription) =>
    estate.roleDefinitions.map((d) => ({
      id: defId(sub, d.name),
      name: d.name,
      type: 'Microsoft.Authorization/roleDefinitions',
      properties: {
        roleName: d.roleName,
        type: d.type,
        description: d.roleName,
        assignableScopes: ['/'],
        permissions: [
          {
            actions: d.actions,
            notActions: d.notActions,
            dataActions: d.dataActions ?? [],
            notDataActions: [],
          },
        ],
      },
    }));
  const accountId = (sub: EstateSubscription, a: EstateCognitiveAccount) =>
    `/subscriptions/${sub.subscriptionId}/resourceGroups/${a.resourceGroup}/providers/${COGNITIVE}/${a.name}`;
  const account = (sub: EstateSubscription, a: EstateCognitiveAccount) => {
    const { keys: _keys, resourceGroup: _rg, ...rest } = a;
    return {
      ...rest,
      id: accountId(sub, a),
      type: COGNITIVE,
      etag: `"${a.name}"`,
      properties: { ...a.properties, isMigrated: false, capabilities: [] },
    } satisfies Account;
  };
  const findAccount = (
    subId: string | undefined,
    rg: string | undefined,
    name: string | undefined,
  ) => {
    const sub = subscription(subId);
    const a = (sub.cognitiveAccounts ?? []).find(
      (x) => x.name === name && x.resourceGroup.toLowerCase() === rg?.toLowerCase(),
    );
    if (!a)
      throw new HttpError(
        404,
        'ResourceNotFound',
        `The Resource '${COGNITIVE}/${name}' was not found.`,
      );
    return { sub, a };
  };
  const accountPath = String.raw`\/subscriptions\/(?<sub>[^/]+)\/resourceGroups\/(?<rg>[^/]+)\/providers\/Microsoft\.CognitiveServices\/accounts\/(?<name>[^/]+)`;
  const authz =
    /(?<scope>\/subscriptions\/(?<sub>[^/]+)(\/.*?)?)\/providers\/Microsoft\.Authorization\/(?<kind>roleAssignments|roleDefinitions)(\/(?<item>[^/]+))?/i;

  return [
    {
      // The Tags API at any resource's scope (before the subscription listing, which matches all).
      method: 'GET',
      path: /^(?<resource>\/subscriptions\/[^/]+\/resource[gG]roups\/.+?)\/providers\/Microsoft\.Resources\/tags\/default$/,
      handle: (_req, params) => {
        const id = params.resource!;
        subscription(id.split('/')[2]);
        const tags = estate.resourceTags?.[id.toLowerCase()];
        if (!tags)
          throw new HttpError(404, 'ResourceNotFound', `The Resource '${id}' was not found.`);
        return {
          body: {
            id: `${id}/providers/Microsoft.Resources/tags/default`,
            name: 'default',
            type: 'Microsoft.Resources/tags',
            properties: { tags },
          },
        };
      },
    },
    {
      method: 'GET',
      path: /\/subscriptions/,
      handle: (req) =>
        list(
          req,
          estate.subscriptions.map((s) => ({
            id: `/subscriptions/${s.subscriptionId}`,
            authorizationSource: 'RoleBased',
            subscriptionId: s.subscriptionId,
            tenantId: estate.tenant.id,
            displayName: s.displayName,
            state: s.state,
            subscriptionPolicies: {
              locationPlacementId: 'Public_2014-09-01',
              quotaId: 'PayAsYouGo_2014-09-01',
              spendingLimit: 'Off',
            },
          })),
        ),
    },
    {
      method: 'GET',
      path: /\/subscriptions\/(?<sub>[^/]+)\/providers\/Microsoft\.CognitiveServices\/accounts/,
      handle: (req, p) => {
        const sub = subscription(p.sub);
        return list(
          req,
          (sub.cognitiveAccounts ?? []).map((a) => account(sub, a)),
        );
      },
    },
    {
      method: 'GET',
      path: new RegExp(accountPath),
      handle: (_req, p) => {
        const { sub, a } = findAccount(p.sub, p.rg, p.name);
        return { body: account(sub, a) };
      },
    },
    {
      method: 'POST',
      path: new RegExp(`${accountPath}/listKeys`),
      handle: (_req, p) => ({ body: findAccount(p.sub, p.rg, p.name).a.keys }),
    },
    {
      method: 'GET',
      path: authz,
      handle: (req, p) => {
        const sub = subscription(p.sub);
        if (p.kind!.toLowerCase() === 'roledefinitions') {
          const defs = definitions(sub);
          if (!p.item) return list(req, defs);
          const one = defs.find((d) => d.name === p.item);
          if (!one)
            throw new HttpError(
              404,
              'RoleDefinitionDoesNotExist',
              `The role definition '${p.item}' does not exist.`,
            );
          return { body: one };
        }
        const filter = req.query.get('$filter') ?? '';
        const principal = /principalId eq '([^']+)'/.exec(filter)?.[1];
        const atScope = filter.includes('atScope()');
        const scope = p.scope!.toLowerCase();
        const items = sub.roleAssignments
          .filter((a) => {
            const s = a.scope.toLowerCase();
            const above = scope.startsWith(s);
            return atScope ? above : above || s.startsWith(scope);
          })
          .filter((a) => !principal || a.principalId === principal)
          .map((a) => ({
            id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
            name: a.name,
            type: 'Microsoft.Authorization/roleAssignments',
            properties: {
              roleDefinitionId: defId(sub, a.roleDefinitionName),
              principalId: a.principalId,
              principalType: a.principalType,
              scope: a.scope,
              condition: a.condition ?? null,
              conditionVersion: a.condition ? '2.0' : null,
              createdOn: a.createdOn,
              updatedOn: a.createdOn,
              createdBy: null,
              updatedBy: null,
              delegatedManagedIdentityResourceId: null,
              description: null,
            },
          }));
        return list(req, items);
      },
    },
    {
      // Create (trim's rollback recreates an assignment): the name is a new GUID.
      method: 'PUT',
      path: authz,
      handle: (req, p) => {
        const sub = subscription(p.sub);
        if (p.kind!.toLowerCase() !== 'roleassignments' || !p.item)
          throw new HttpError(405, 'MethodNotAllowed', 'The method is not allowed.');
        const body = req.json() as { properties?: Partial<RoleAssignmentCreateParameters> };
        const props = body.properties;
        if (!props?.roleDefinitionId || !props.principalId)
          throw new HttpError(
            400,
            'InvalidRequestContent',
            'roleDefinitionId and principalId are required.',
          );
        const guid = props.roleDefinitionId.split('/').pop()!;
        const dup = sub.roleAssignments.find(
          (a) =>
            a.scope.toLowerCase() === p.scope!.toLowerCase() &&
            a.roleDefinitionName === guid &&
            a.principalId === props.principalId,
        );
        if (dup)
          throw new HttpError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
        const created = {
          name: p.item,
          scope: p.scope!,
          roleDefinitionName: guid,
          principalId: props.principalId,
          principalType: 'ServicePrincipal' as const,
          createdOn: state.clock().toISOString(),
          condition: props.condition ?? null,
        };
        sub.roleAssignments.push(created);
        return {
          status: 201,
          body: {
            id: `${created.scope}/providers/Microsoft.Authorization/roleAssignments/${created.name}`,
            name: created.name,
            type: 'Microsoft.Authorization/roleAssignments',
            properties: {
              roleDefinitionId: defId(sub, guid),
              principalId: created.principalId,
              principalType: created.principalType,
              scope: created.scope,
              condition: created.condition,
              conditionVersion: created.condition ? '2.0' : null,
              createdOn: created.createdOn,
            },
          },
        };
      },
    },
    {
      method: 'DELETE',
      path: authz,
      handle: (_req, p) => {
        const sub = subscription(p.sub);
        const i = sub.roleAssignments.findIndex(
          (a) => a.name === p.item && a.scope.toLowerCase() === p.scope!.toLowerCase(),
        );
        if (i < 0) return { status: 204 };
        sub.roleAssignments.splice(i, 1);
        return { status: 200, body: { name: p.item } };
      },
    },
  ];
}
