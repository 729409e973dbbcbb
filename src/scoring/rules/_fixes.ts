/**
 * Manual steps shared by several rules: where nhi has no playbook for the subject, the console
 * path and the provider CLI command that do the job. Placeholders ({name}, {identity},
 * {credential}, {scope}, {id}) are filled in per finding (see ../fix.ts).
 */
import type { ProviderId } from '../../model/index.js';
import type { ManualFix } from '../fix.js';

type PerProvider = Partial<Record<ProviderId, ManualFix>>;

/** Retire a credential: switch it off, watch what breaks, delete it. */
export const RETIRE_CREDENTIAL: { manual: ManualFix; providers: PerProvider } = {
  manual: {
    steps: [
      'Confirm with the owner that nothing still needs the credential {credential} of {name}',
      'Disable it at the provider where it can be disabled, wait for anything that breaks, then delete it',
    ],
    docs: [],
  },
  providers: {
    aws: {
      steps: [
        'IAM console > Users > {name} > Security credentials: Deactivate the access key {credential} (or `aws iam update-access-key --user-name {name} --access-key-id {credential} --status Inactive`)',
        'After a grace period with nothing broken: Delete it (`aws iam delete-access-key --user-name {name} --access-key-id {credential}`)',
      ],
      docs: ['https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html'],
    },
    azure: {
      steps: [
        'Microsoft Entra admin center > Identity > Applications > App registrations > {name} > Certificates & secrets: delete the certificate or secret with key id {credential}',
        'Or: `az ad app credential delete --id {identity} --key-id {credential}` (add `--cert` for a certificate; `az ad sp credential delete` for a service principal)',
      ],
      docs: [
        'https://learn.microsoft.com/entra/identity-platform/howto-create-service-principal-portal',
      ],
    },
    gcp: {
      steps: [
        'Google Cloud console > IAM & Admin > Service accounts > {name} > Keys: disable, then delete the key {credential} (`gcloud iam service-accounts keys disable {credential} --iam-account {identity}`, then `… keys delete`)',
        'API keys: APIs & Services > Credentials: delete the key (`gcloud services api-keys delete {credential} --project {scope}`)',
      ],
      docs: ['https://cloud.google.com/iam/docs/keys-disable-enable'],
    },
    github: {
      steps: [
        'Personal access tokens and SSH keys: the owner deletes them under GitHub > Settings > Developer settings / SSH and GPG keys; an organization owner revokes organization access under Organization settings > Personal access tokens (fine-grained) or People > SAML identity (credential authorizations)',
        'Deploy keys: Repository settings > Deploy keys > Delete; app installations: Organization settings > GitHub Apps > Configure > Uninstall',
      ],
      docs: [
        'https://docs.github.com/organizations/managing-programmatic-access-to-your-organization/reviewing-and-revoking-personal-access-tokens-in-your-organization',
      ],
    },
  },
};

/** Replace a credential with a new one, delivered where the old one is used, then retire the old. */
export const REPLACE_CREDENTIAL: { manual: ManualFix; providers: PerProvider } = {
  manual: {
    steps: [
      'Create a replacement for {credential}, store it where the old one is read from, confirm the consumer uses it',
      'Then disable and delete the old credential',
    ],
    docs: [],
  },
  providers: {
    aws: RETIRE_CREDENTIAL.providers.aws!,
    azure: {
      steps: [
        'Entra admin center > App registrations > {name} > Certificates & secrets: upload a new certificate (or add a secret with an expiry), update the consumer, then delete {credential}',
        'Or: `az ad app credential reset --id {identity} --append --years 1`, then `az ad app credential delete --id {identity} --key-id {credential}`',
      ],
      docs: ['https://learn.microsoft.com/cli/azure/ad/app/credential'],
    },
    gcp: {
      steps: [
        'Prefer workload identity federation (no key at all); otherwise create a new key (`gcloud iam service-accounts keys create key.json --iam-account {identity}`), update the consumer, then delete {credential}',
      ],
      docs: ['https://cloud.google.com/iam/docs/workload-identity-federation'],
    },
    github: {
      steps: [
        'Personal access tokens: the owner regenerates the token with an expiry (GitHub > Settings > Developer settings > Personal access tokens > Regenerate) and updates where it is stored',
        'Actions / Dependabot secrets: rotate the credential the secret holds at its provider, then update the secret (`gh secret set NAME --repo OWNER/REPO`)',
      ],
      docs: [
        'https://docs.github.com/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens',
      ],
    },
  },
};

/** Narrow what an identity may do: remove or replace the grant. */
/** Providers whose `nhi trim` removes unused grants (the fix of unused-grant findings). */
export const TRIM_PROVIDERS: readonly ProviderId[] = ['aws', 'gcp', 'azure'];

export const NARROW_GRANT: { manual: ManualFix; providers: PerProvider } = {
  manual: {
    steps: [
      'Replace the grant named in the evidence with one listing only the actions and resources {name} needs',
    ],
    docs: [],
  },
  providers: {
    aws: {
      steps: [
        'IAM console > Users or Roles > {name} > Permissions: detach the policy named in the evidence or edit the inline policy (`aws iam detach-role-policy` / `detach-user-policy`, `put-role-policy`)',
        'Generate a least-privilege policy from what the identity used: IAM Access Analyzer > Policy generation (CloudTrail), or Last accessed on the same page',
      ],
      docs: [
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-policy-generation.html',
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html',
      ],
    },
    azure: {
      steps: [
        'Azure role assignments: Azure portal > Subscriptions > Access control (IAM) > Role assignments: remove the role from {name} and assign a narrower built-in role at the resource group or resource (`az role assignment delete --assignee {identity} --role "<role>" --scope <scope>`)',
        'Microsoft Graph application permissions: Entra admin center > Enterprise applications > {name} > Permissions: revoke the permission named in the evidence, grant a narrower one (e.g. Sites.Selected)',
      ],
      docs: [
        'https://learn.microsoft.com/azure/role-based-access-control/role-assignments-remove',
        'https://learn.microsoft.com/graph/permissions-overview',
      ],
    },
    gcp: {
      steps: [
        'Apply the IAM Recommender suggestion, or remove the binding and grant a narrower predefined role: `gcloud projects remove-iam-policy-binding {scope} --member serviceAccount:{identity} --role <role>`',
      ],
      docs: ['https://cloud.google.com/policy-intelligence/docs/review-apply-role-recommendations'],
    },
    github: {
      steps: [
        'Tokens: the owner edits the fine-grained PAT (or regenerates the classic one) with fewer permissions or scopes; an organization owner can revoke it under Organization settings > Personal access tokens',
        'GitHub Apps: Organization settings > GitHub Apps > Configure: limit repository access; ask the vendor to request fewer permissions, or uninstall',
      ],
      docs: [
        'https://docs.github.com/apps/using-github-apps/reviewing-and-modifying-installed-github-apps',
      ],
    },
  },
};
