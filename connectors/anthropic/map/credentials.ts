/** Anthropic API keys -> credentials. Pure. The handle is the Console's partial key hint. */
import type { OwnerCandidate } from '../../../src/model/index.js';
import type { Credential } from '../../../src/connector/index.js';
import type { RawApiKey, RawUser, RawWorkspace } from '../schema.js';
import { lastUseOf, type UsageWindow } from './usage.js';

export type KeyKind = 'project' | 'user' | 'service-account';

/** What the scan knows of the people in the organization (null: not readable). */
export type Members = ReadonlyMap<string, RawUser> | null;

/** The identity a key hangs on: the person or account it acts as, else its workspace. */
export function holderOf(key: RawApiKey): { id: string; kind: KeyKind } {
  if (key.principal?.type === 'user_actor') return { id: key.principal.user_id, kind: 'user' };
  if (key.principal?.type === 'service_account_actor')
    return { id: key.principal.service_account_id, kind: 'service-account' };
  return {
    id: key.scope.type === 'workspace' ? key.scope.workspace_id : 'organization',
    kind: 'project',
  };
}

/** Archived keys never work again: they are gone, not inventoried. */
export const isLive = (key: RawApiKey): boolean => key.status !== 'archived';

export function apiKeyCredential(
  key: RawApiKey,
  /** Workspace names by id (a missing one is shown by its id). */
  workspaces: ReadonlyMap<string, Pick<RawWorkspace, 'name'>>,
  members: Members,
  window: UsageWindow | null,
): Credential {
  const holder = holderOf(key);
  const workspaceId = key.scope.type === 'workspace' ? key.scope.workspace_id : null;
  // The owner: the person the key acts as, else the person who created it.
  const ownerId =
    key.principal?.type === 'user_actor'
      ? key.principal.user_id
      : key.created_by?.type === 'user'
        ? key.created_by.id
        : null;
  const owner = ownerId && members ? (members.get(ownerId) ?? null) : null;
  const { usage, evidence } = lastUseOf(key.id, key.created_at, window);
  return {
    externalId: key.id,
    identityExternalId: holder.id,
    type: 'api-key',
    name: key.name,
    status: key.status === 'archived' ? 'inactive' : key.status,
    createdAt: key.created_at,
    expiresAt: key.expires_at,
    ...usage,
    attributes: {
      ...(key.partial_key_hint ? { handle: key.partial_key_hint } : {}),
      keyKind: holder.kind,
      aiService: 'anthropic',
      ...(workspaceId
        ? { workspaceId, workspaceName: workspaces.get(workspaceId)?.name ?? workspaceId }
        : { workspaceId: null }),
      ...(key.created_by
        ? { createdById: key.created_by.id, createdByType: key.created_by.type }
        : {}),
      ...(holder.kind === 'service-account'
        ? { ownerType: 'service-account', ownerId: holder.id }
        : {}),
      ...(ownerId
        ? {
            ownerType: 'user',
            ownerId,
            ...(owner ? { ownerEmail: owner.email, ownerName: owner.name } : {}),
            // Not a member any more (null: the members listing was not readable).
            ownerDeparted: members ? owner === null : null,
            // A departed owner is known only by id (the members list no longer has them):
            // still the owner, so the offboarding finding can name them.
            ownerCandidates: [
              {
                owner: owner?.email ?? ownerId,
                source: 'provider-owner',
                via: 'Anthropic key owner',
                confidence: 'high',
                departed: members ? owner === null : null,
              } satisfies OwnerCandidate,
            ],
          }
        : {}),
      ...evidence,
    },
  };
}
