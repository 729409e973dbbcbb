import { z } from 'zod';
import { defineRule } from '../types.js';
import { NARROW_GRANT } from './_fixes.js';
import { ignorePermissionsOption, privilegeRule } from './_privilege.js';

export const dataExfiltration = defineRule(
  privilegeRule({
    id: 'data-exfiltration',
    privilegeClass: 'data-exfiltration',
    verb: 'can read data or secrets everywhere',
    title: 'Can read data or secrets on every resource',
    description:
      "The identity can read data or secrets without a resource constraint (Cloudsplaining's " +
      'data exfiltration): AWS `s3:GetObject`, `ssm:GetParameter*`, ' +
      '`secretsmanager:GetSecretValue` or `kms:Decrypt` on `*`; Azure Key Vault secret and ' +
      'Storage blob data roles, or Contributor, at subscription scope, Graph application ' +
      'permissions to every mailbox, file or site; GCP secret accessor, object viewer, BigQuery ' +
      'data and KMS decrypter roles at project level or above; GitHub webhook write access.',
    help: 'Restrict the read actions to the buckets, parameters, secrets and keys the identity needs.',
    severity: 'medium',
    owasp: 'NHI5',
    cis: {},
    defaultsFrom: null,
    fix: NARROW_GRANT,
    options: z.object({ ignorePermissions: ignorePermissionsOption }),
    providerDefaults: {},
  }),
);
