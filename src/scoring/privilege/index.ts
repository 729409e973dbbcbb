/** One subject's grants, classified by its provider's rules (see each module). */
import type { ProviderId, StoredGrant } from '../../model/index.js';
import { analyseAws } from './aws.js';
import { analyseAzure } from './azure.js';
import { analyseGcp } from './gcp.js';
import { analyseGithub } from './github.js';
import { ALL_CLASSES, type SubjectPrivileges } from './types.js';

export * from './types.js';

const ANALYSERS: Partial<
  Record<ProviderId, (grants: readonly StoredGrant[]) => SubjectPrivileges>
> = {
  aws: analyseAws,
  azure: analyseAzure,
  gcp: analyseGcp,
  github: analyseGithub,
};

export function analysePrivileges(
  provider: ProviderId,
  grants: readonly StoredGrant[],
): SubjectPrivileges {
  const analyse = ANALYSERS[provider];
  if (analyse) return analyse(grants);
  // A provider whose grants nhi does not classify yet: anything beyond read is not judged.
  return {
    hits: [],
    undetermined: grants
      .filter((g) => g.privilege !== 'read')
      .map((grant) => ({
        classes: ALL_CLASSES,
        grant,
        reason: `nhi does not classify ${provider} permissions yet`,
      })),
  };
}
