/**
 * GCP IAM bindings on project, folder and organization policies (`permission` = role,
 * `attributes.level`, `attributes.customRole`, `attributes.condition`). Every such binding is
 * "project level or above": it reaches every resource below it.
 * CIS GCP Foundations 3.0 1.5 (no admin roles on service accounts: owner, editor, *Admin) and
 * 1.6 (no Service Account User / Token Creator at project level) anchor the classes.
 */
import type { StoredGrant } from '../../model/index.js';
import { ALL_CLASSES, hitCollector, type SubjectPrivileges, type Undetermined } from './types.js';

const ADMIN: Record<string, string> = {
  'roles/owner': 'basic role Owner: every permission, including setIamPolicy',
  'roles/editor': 'basic role Editor: write to almost every service, act as service accounts',
};

const PERMISSIONS_MANAGEMENT: Record<string, string> = {
  'roles/resourcemanager.projectIamAdmin': 'resourcemanager.projects.setIamPolicy',
  'roles/resourcemanager.folderIamAdmin': 'resourcemanager.folders.setIamPolicy',
  'roles/resourcemanager.folderAdmin': 'resourcemanager.folders.setIamPolicy',
  'roles/resourcemanager.organizationAdmin': 'resourcemanager.organizations.setIamPolicy',
  'roles/iam.securityAdmin': 'setIamPolicy on projects and most resources',
  'roles/iam.roleAdmin': 'iam.roles.update (rewrite custom roles)',
  'roles/iam.organizationRoleAdmin': 'iam.roles.update (rewrite custom roles)',
  'roles/iam.serviceAccountAdmin': 'iam.serviceAccounts.setIamPolicy',
};

const ESCALATION: Record<string, string> = {
  'roles/iam.serviceAccountTokenCreator':
    'iam.serviceAccounts.getAccessToken on every service account',
  'roles/iam.serviceAccountKeyAdmin': 'iam.serviceAccountKeys.create on every service account',
  'roles/iam.serviceAccountUser': 'iam.serviceAccounts.actAs on every service account',
  'roles/iam.workloadIdentityUser': 'iam.serviceAccounts.getAccessToken through workload identity',
};

const DATA: Record<string, string> = {
  'roles/secretmanager.secretAccessor': 'secretmanager.versions.access on every secret',
  'roles/secretmanager.admin': 'secretmanager.versions.access on every secret',
  'roles/storage.objectViewer': 'storage.objects.get in every bucket',
  'roles/storage.objectAdmin': 'storage.objects.get in every bucket',
  'roles/storage.admin': 'storage.objects.get in every bucket',
  'roles/bigquery.dataViewer': 'bigquery.tables.getData on every dataset',
  'roles/bigquery.dataEditor': 'bigquery.tables.getData on every dataset',
  'roles/bigquery.dataOwner': 'bigquery.tables.getData on every dataset',
  'roles/bigquery.admin': 'bigquery.tables.getData on every dataset',
  'roles/cloudkms.cryptoKeyDecrypter': 'cloudkms.cryptoKeyVersions.useToDecrypt on every key',
  'roles/cloudkms.cryptoKeyEncrypterDecrypter':
    'cloudkms.cryptoKeyVersions.useToDecrypt on every key',
};

/** Service admin roles that include the service's setIamPolicy (share or publish resources). */
const EXPOSURE_SERVICES = new Set([
  'storage',
  'secretmanager',
  'bigquery',
  'cloudkms',
  'pubsub',
  'run',
  'cloudfunctions',
  'artifactregistry',
  'spanner',
]);

export function analyseGcp(grants: readonly StoredGrant[]): SubjectPrivileges {
  const found = hitCollector();
  const undetermined: Undetermined[] = [];
  const hit = found.add;
  const admin = grants.some((g) => ADMIN[g.permission]);
  for (const g of grants) {
    const role = g.permission;
    const where = `${String(g.attributes.level ?? 'project')} ${g.resource}${g.attributes.condition ? ' (with a condition)' : ''}`;
    if (ADMIN[role]) {
      hit('admin', `${role} at ${where}: ${ADMIN[role]}`, g);
      continue;
    }
    if (g.attributes.customRole === true || !role.startsWith('roles/')) {
      if (g.privilege !== 'read')
        undetermined.push({
          classes: ALL_CLASSES,
          grant: g,
          reason: `custom role ${role} at ${where}: the GCP connector does not record a custom role's permissions`,
        });
      continue;
    }
    // Owner / Editor already say everything the narrower roles below would.
    if (admin) continue;
    if (PERMISSIONS_MANAGEMENT[role])
      hit('permissions-management', `${role} at ${where}: ${PERMISSIONS_MANAGEMENT[role]}`, g);
    if (ESCALATION[role])
      hit('privilege-escalation', `${role} at ${where}: ${ESCALATION[role]}`, g);
    if (DATA[role]) hit('data-exfiltration', `${role} at ${where}: ${DATA[role]}`, g);
    const service = /^roles\/([A-Za-z0-9]+)\.admin$/.exec(role)?.[1];
    if (service) {
      hit('service-wildcard', `${role} at ${where}: every ${service} permission`, g);
      if (EXPOSURE_SERVICES.has(service))
        hit(
          'resource-exposure',
          `${role} at ${where}: ${service} setIamPolicy (share or publish)`,
          g,
        );
    }
  }
  return { hits: found.hits(), undetermined };
}
