/** One subject's grants, classified by its provider's rules (see each module). */
import type { ProviderId, StoredGrant } from '../../model/index.js';
import { analyseAws } from './aws.js';
import { analyseAzure } from './azure.js';
import { analyseGcp } from './gcp.js';
import { analyseGithub } from './github.js';
import type { SubjectPrivileges } from './types.js';

export * from './types.js';

const ANALYSERS: Record<ProviderId, (grants: readonly StoredGrant[]) => SubjectPrivileges> = {
  aws: analyseAws,
  azure: analyseAzure,
  gcp: analyseGcp,
  github: analyseGithub,
};

export function analysePrivileges(
  provider: ProviderId,
  grants: readonly StoredGrant[],
): SubjectPrivileges {
  return ANALYSERS[provider](grants);
}
