/**
 * Every coverage signal a GitHub scan can leave a gap in: what it carries, the permission
 * that closes it (for classic tokens, fine-grained tokens and GitHub Apps), and the record
 * kinds a gap in it leaves partly unlisted (which the catalog then never marks removed).
 */
import { defineSignals, type SignalId } from '../../src/connector/index.js';

const ALL = ['identities', 'credentials', 'grants'] as const;

/** Every signal a GitHub scan can leave a gap in, the permission that closes it, what it hides. */
export const SIGNALS = defineSignals([
  {
    signal: 'fine-grained-pats',
    description: 'fine-grained personal access tokens with access to the organization',
    fix: "authenticate as a GitHub App with 'Personal access tokens' organization permission (read)",
    hides: ALL,
  },
  {
    signal: 'credential-authorizations',
    description: 'classic PATs, SSH keys and OAuth tokens authorized for SAML single sign-on',
    fix: 'GitHub Enterprise Cloud with SAML single sign-on, and an organization owner (classic token: read:org; GitHub App: Administration organization permission, read)',
    hides: ALL,
  },
  {
    signal: 'app-installations',
    description: 'GitHub Apps installed in the organization and their permissions',
    fix: "an organization owner (classic token: read:org; fine-grained token / GitHub App: 'Administration' organization permission, read)",
    hides: ALL,
  },
  {
    signal: 'app-owners',
    description: 'who owns each installed GitHub App (third-party or not)',
    fix: "none for public Apps (GET /apps/{app_slug} is public); GitHub shows a private App only to credentials of the account that owns it, so check its owner under the organization's Settings > GitHub Apps",
    hides: [],
  },
  {
    signal: 'org-actions-secrets',
    description: 'organization Actions secrets',
    fix: "classic token: admin:org; fine-grained token / GitHub App: 'Secrets' organization permission (read)",
    hides: ['credentials'],
  },
  {
    signal: 'org-dependabot-secrets',
    description: 'organization Dependabot secrets',
    fix: "classic token: admin:org; fine-grained token / GitHub App: 'Dependabot secrets' organization permission (read)",
    hides: ['credentials'],
  },
  {
    signal: 'org-webhooks',
    description: 'organization webhooks with a secret',
    fix: "classic token: admin:org_hook; fine-grained token / GitHub App: 'Webhooks' organization permission (read)",
    hides: ['credentials'],
  },
  {
    signal: 'repositories',
    description: 'the repositories of the organization (and everything in them)',
    fix: "classic token: repo; fine-grained token / GitHub App: access to the repository ('Metadata' read)",
    hides: ALL,
  },
  {
    signal: 'deploy-keys',
    description: 'deploy keys of each repository',
    fix: "admin on the repository (classic token: repo; fine-grained token / GitHub App: 'Administration' repository permission, read)",
    hides: ['credentials', 'grants'],
  },
  {
    signal: 'repo-actions-secrets',
    description: 'Actions secrets of each repository',
    fix: "classic token: repo (admin on the repository); fine-grained token / GitHub App: 'Secrets' repository permission (read)",
    hides: ['credentials'],
  },
  {
    signal: 'environments',
    description: 'deployment environments of each repository',
    fix: "classic token: repo; fine-grained token / GitHub App: 'Actions' or 'Environments' repository permission (read)",
    hides: ['identities', 'credentials'],
  },
  {
    signal: 'environment-secrets',
    description: 'Actions secrets of each environment',
    fix: "classic token: repo (admin on the repository); fine-grained token / GitHub App: 'Environments' repository permission (read)",
    hides: ['credentials'],
  },
  {
    signal: 'repo-dependabot-secrets',
    description: 'Dependabot secrets of each repository',
    fix: "classic token: repo (admin on the repository); fine-grained token / GitHub App: 'Dependabot secrets' repository permission (read)",
    hides: ['credentials'],
  },
  {
    signal: 'repo-webhooks',
    description: 'repository webhooks with a secret',
    fix: "classic token: admin:repo_hook or repo; fine-grained token / GitHub App: 'Webhooks' repository permission (read)",
    hides: ['credentials'],
  },
  {
    signal: 'codeowners',
    description:
      'repository CODEOWNERS, read as owners of the secrets and deploy keys of repositories that hold some',
    fix: "classic token: repo; fine-grained token / GitHub App: 'Contents' repository permission (read)",
    hides: [],
  },
  {
    signal: 'custom-properties',
    description: 'repository custom properties owner/team (organization-level listing)',
    fix: "classic token: read:org; fine-grained token / GitHub App: 'Custom properties' organization permission (read)",
    hides: [],
  },
  {
    signal: 'org-members',
    description:
      'organization membership, which tells an owner who left (PAT owners, deploy-key added_by, App owners, CODEOWNERS users)',
    fix: "an organization member (classic token: read:org; fine-grained token / GitHub App: 'Members' organization permission, read)",
    hides: [],
  },
]);

export type Signal = SignalId<typeof SIGNALS>;
