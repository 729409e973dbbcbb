/** Every rule nhi runs, one module each. The config schema, `nhi init` and docs are generated from this list. */
import type { AnyRule } from '../types.js';
import { adminGrant } from './admin-grant.js';
import { aiAccountLocalAuth } from './ai-account-local-auth.js';
import { aiAdminKeyUnused } from './ai-admin-key-unused.js';
import { aiApiKeyUnrestricted } from './ai-api-key-unrestricted.js';
import { aiKeyInCi } from './ai-key-in-ci.js';
import { bedrockKeyBroadAccess } from './bedrock-key-broad-access.js';
import { bedrockKeyLongTerm } from './bedrock-key-long-term.js';
import { cloudKeyInCi } from './cloud-key-in-ci.js';
import { dataExfiltration } from './data-exfiltration.js';
import { credentialExpired } from './credential-expired.js';
import { credentialExpiringSoon } from './credential-expiring-soon.js';
import { credentialNeverUsed } from './credential-never-used.js';
import { credentialNoExpiry } from './credential-no-expiry.js';
import { credentialRotation } from './credential-rotation.js';
import { credentialUnused } from './credential-unused.js';
import { deployKeyWrite } from './deploy-key-write.js';
import { externalTrustNoExternalId } from './external-trust-no-external-id.js';
import { humanTraits } from './human-traits.js';
import { identityDormant } from './identity-dormant.js';
import { multipleActiveKeys } from './multiple-active-keys.js';
import { noOwner } from './no-owner.js';
import { oidcTrustNoSubject } from './oidc-trust-no-subject.js';
import { ownerDeparted } from './owner-departed.js';
import { permissionsManagement } from './permissions-management.js';
import { privilegeEscalation } from './privilege-escalation.js';
import { resourceExposure } from './resource-exposure.js';
import { rootAccessKey } from './root-access-key.js';
import { serviceWildcard } from './service-wildcard.js';
import { thirdPartyAppWrite } from './third-party-app-write.js';
import { unusedGrant } from './unused-grant.js';

/** Sorted by id; the order is part of the SARIF output (ruleIndex), so keep it sorted. */
export const RULES: readonly AnyRule[] = [
  adminGrant,
  aiAccountLocalAuth,
  aiAdminKeyUnused,
  aiApiKeyUnrestricted,
  aiKeyInCi,
  bedrockKeyBroadAccess,
  bedrockKeyLongTerm,
  cloudKeyInCi,
  credentialExpired,
  credentialExpiringSoon,
  credentialNeverUsed,
  credentialNoExpiry,
  credentialRotation,
  credentialUnused,
  dataExfiltration,
  deployKeyWrite,
  externalTrustNoExternalId,
  humanTraits,
  identityDormant,
  multipleActiveKeys,
  noOwner,
  oidcTrustNoSubject,
  ownerDeparted,
  permissionsManagement,
  privilegeEscalation,
  resourceExposure,
  rootAccessKey,
  serviceWildcard,
  thirdPartyAppWrite,
  unusedGrant,
];

export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);

export function findRule(id: string): AnyRule | undefined {
  return RULES.find((r) => r.id === id);
}
