import { z } from 'zod';
import { defineRule } from '../types.js';
import { NARROW_GRANT } from './_fixes.js';
import { ignorePermissionsOption, privilegeRule } from './_privilege.js';

export const serviceWildcard = defineRule(
  privilegeRule({
    id: 'service-wildcard',
    privilegeClass: 'service-wildcard',
    verb: 'holds every action of a service',
    title: 'Every action of a whole service',
    description:
      'The identity holds every action of a service on every resource (`s3:*`, `dynamodb:*`), ' +
      'or every action of every service but a few (Allow + NotAction, such as PowerUserAccess): ' +
      "Cloudsplaining's service wildcard. Also Azure Contributor at subscription scope and " +
      'Graph `*.ReadWrite.All` application permissions, GCP `roles/<service>.admin` at project ' +
      'level or above, GitHub `repo`, `delete_repo` and contents write on every repository. ' +
      'Read-only wildcards (`s3:Get*`) are not service wildcards.',
    help: 'List the actions the identity uses instead of the service wildcard.',
    severity: 'medium',
    owasp: 'NHI5',
    cis: { gcp: 'CIS GCP Foundations 3.0 1.5' },
    defaultsFrom: null,
    fix: NARROW_GRANT,
    options: z.object({ ignorePermissions: ignorePermissionsOption }),
    providerDefaults: {},
  }),
);
