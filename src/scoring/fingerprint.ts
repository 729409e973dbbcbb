import { createHash } from 'node:crypto';

export interface FingerprintParts {
  ruleId: string;
  provider: string;
  scopeId: string;
  identityExternalId: string;
  credentialExternalId: string | null;
}

/** Stable across runs and machines: depends only on the rule and the subject's provider ids. */
export function fingerprint(p: FingerprintParts): string {
  return createHash('sha256')
    .update(
      [p.ruleId, p.provider, p.scopeId, p.identityExternalId, p.credentialExternalId ?? ''].join(
        '\u0000',
      ),
    )
    .digest('hex')
    .slice(0, 32);
}
