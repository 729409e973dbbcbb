/** CI secrets (GitHub Actions / Dependabot) as the rules about keys stored in CI read them. */
import type { RuleContext, RuleHit } from '../types.js';
import { gapEvidence } from './_helpers.js';

export const CI_SECRET_TYPES = ['actions-secret', 'dependabot-secret'];

export const CI_SECRET_SIGNALS = [
  'org-actions-secrets',
  'repo-actions-secrets',
  'environment-secrets',
  'org-dependabot-secrets',
  'repo-dependabot-secrets',
];

// Gap signals name the level they concern: org-…, repo-…, environment-….
const LEVEL_PREFIX: Record<string, string> = {
  organization: 'org-',
  repository: 'repo-',
  environment: 'environment-',
};

/** Holders (organization, repository, environment) whose secrets could not be listed. */
export function* ciSecretGaps<O>(ctx: RuleContext<O>): Generator<RuleHit> {
  for (const identity of ctx.identities) {
    const prefix = LEVEL_PREFIX[identity.kind];
    const gap = prefix && ctx.gaps(identity).find((g) => g.signal.startsWith(prefix));
    if (gap) {
      yield {
        outcome: 'not-evaluated',
        identity,
        message: `not evaluated: CI secrets could not be listed (${gap.message})`,
        evidence: { missing: 'CI secrets could not be listed', ...gapEvidence(gap) },
      };
    }
  }
}
