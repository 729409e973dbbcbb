/**
 * Owner signals of an Entra/Azure scan beyond what the directory objects carry:
 * - app registration owners as candidates with their membership state: a user owner whose
 *   account is disabled (`accountEnabled: false`) has departed;
 * - the owner/team tags of the Azure resource a managed identity belongs to (the Tags API at
 *   the resource's scope, one call per distinct resource), next to the service principal's
 *   own Entra tags.
 */
import { ownerCandidatesFromTags } from '../../src/connector/index.js';
import type { Identity, OwnerCandidate } from '../../src/model/index.js';
import type { GraphOwner } from './schema.js';

const isUser = (o: GraphOwner) =>
  o['@odata.type'] === '#microsoft.graph.user' || (!o.appId && Boolean(o.userPrincipalName));

/** Entra app owners, a disabled user among them marked departed (null: not reported). */
export function appOwnerCandidates(owners: GraphOwner[] | undefined): OwnerCandidate[] {
  return (owners ?? []).map((o) => ({
    owner: o.userPrincipalName ?? o.displayName ?? o.appId ?? o.id,
    source: 'provider-owner' as const,
    via: 'Entra app owners',
    confidence: 'high' as const,
    departed: isUser(o) && typeof o.accountEnabled === 'boolean' ? !o.accountEnabled : null,
  }));
}

/** Resource tags as candidates of the managed identities they belong to. */
export async function applyResourceTags(
  identities: Identity[],
  read: (resourceIds: string[]) => Promise<Map<string, Record<string, string>>>,
): Promise<void> {
  const managed = identities.filter(
    (i) => i.kind === 'managed-identity' && typeof i.attributes.resourceId === 'string',
  );
  if (!managed.length) return;
  const tags = await read([...new Set(managed.map((i) => i.attributes.resourceId as string))]);
  for (const i of managed) {
    const t = tags.get(i.attributes.resourceId as string);
    if (!t || !Object.keys(t).length) continue;
    i.attributes.resourceTags = t;
    // Declared tag candidates replace the generic reading of tags: the SP's own come too.
    i.attributes.ownerCandidates = [
      ...ownerCandidatesFromTags(t, 'Azure resource tag'),
      ...ownerCandidatesFromTags(i.tags, 'Entra tag'),
    ];
  }
}
