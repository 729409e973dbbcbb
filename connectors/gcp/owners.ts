/**
 * GCP owner signals. Service accounts carry no labels (IAM does not support them) and no
 * owner; what there is: the description convention ("Owner: x", read in map/) and the labels
 * of the project they live in. A project's `owner`/`team` labels say who answers for the
 * project, so for its service accounts they are a medium-confidence candidate, not an owner.
 */
import { ownerCandidatesFromTags } from '../../src/connector/index.js';
import type { Identity, OwnerCandidate } from '../../src/model/index.js';

export function applyProjectLabels(
  identities: Identity[],
  labels: Record<string, string> | null | undefined,
): void {
  if (!labels) return;
  const from = ownerCandidatesFromTags(labels, 'GCP project label').map((c): OwnerCandidate => ({
    ...c,
    confidence: 'medium',
  }));
  if (!from.length) return;
  for (const i of identities) {
    if (i.kind !== 'service-account') continue;
    const had = Array.isArray(i.attributes.ownerCandidates)
      ? (i.attributes.ownerCandidates as OwnerCandidate[])
      : [];
    i.attributes.ownerCandidates = [...had, ...from];
  }
}
