/**
 * The demo's token. It has GitHub's installation-token prefix (`ghs_`), so the stand-in treats
 * it as a GitHub App installation token, which may read fine-grained PAT grants.
 */
export const DEMO_TOKEN = 'ghs_demoOrbitalFreight000000000000000000';
