/**
 * The GitHub connector's manifest: one scope per organization (options.orgs), scanned
 * through the REST API of github.com or a GitHub Enterprise Server (options.apiUrl).
 * See README.md for options, environment variables and the permissions each part needs.
 */
import type { Connector, ConnectorContext } from '../../src/connector/index.js';
import type { ScopeResult } from '../../src/model/index.js';
import { AppOwnerLookup } from './app-owners.js';
import { resolveSettings } from './client.js';
import { doctor } from './doctor.js';
import { options } from './options.js';
import { SIGNALS, scanOrganization } from './scan.js';

/** The demo's token (GitHub's installation-token prefix, so the stand-in lets it read PAT grants). */
export { DEMO_TOKEN } from './stand-in/token.js';

export const connector: Connector = {
  id: 'github',
  title: 'GitHub',
  options,
  signals: SIGNALS,
  scanPermissions: [
    'GitHub App (recommended), organization permissions (read): Administration, Personal access tokens, Secrets, Dependabot secrets, Webhooks; repository permissions (read): Administration, Secrets, Dependabot secrets, Environments, Webhooks, Metadata',
    'classic token (organization owner): read:org, admin:org (org secrets), admin:org_hook, repo, admin:repo_hook (fine-grained PATs cannot be listed)',
    'fine-grained token (organization owner): the same organization and repository permissions as the App, read (fine-grained PATs cannot be listed)',
    'credential authorizations: GitHub Enterprise Cloud with SAML SSO only',
  ],

  async *discover(ctx: ConnectorContext): AsyncIterable<ScopeResult> {
    const settings = resolveSettings(ctx);
    // One lookup per GitHub App for the whole scan, whichever orgs it is installed in.
    const appOwners = new AppOwnerLookup();
    for (const org of settings.orgs) {
      ctx.signal.throwIfAborted();
      yield await scanOrganization(settings, org, ctx, appOwners);
    }
  },

  doctor,
  // Loaded only for --demo: a real scan never parses stand-in code.
  startDemo: async (clock) => (await import('./stand-in/index.js')).startDemo(clock),
};
