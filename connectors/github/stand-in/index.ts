/**
 * What demo, tests and benchmarks need from the stand-in: start it, and connect the connector
 * to it (options and environment, as a real user would configure them).
 */
import type { DemoHandle } from '../../../src/connector/index.js';
import { COMPANY } from '../../../fixtures/demo/company.js';
import { buildGitHubDemoEstate } from './demo.js';
import { startGitHubStandIn, type GitHubStandIn } from './server.js';
import { DEMO_TOKEN } from './token.js';

export { startGitHubStandIn, type GitHubStandIn } from './server.js';
export { buildGitHubDemoEstate } from './demo.js';
export { DEMO_TOKEN } from './token.js';

/** Options and environment that point the connector at a stand-in (or a proxy in front of it). */
export function connect(
  standIn: Pick<GitHubStandIn, 'url'>,
  orgs: readonly string[] = COMPANY.githubOrgs,
  token = DEMO_TOKEN,
): { options: Record<string, unknown>; env: Record<string, string> } {
  return { options: { orgs: [...orgs], apiUrl: standIn.url }, env: { GITHUB_TOKEN: token } };
}

export async function startDemo(clock: Date): Promise<DemoHandle> {
  const standIn = await startGitHubStandIn({ estate: buildGitHubDemoEstate(clock) });
  return { ...connect(standIn), faults: standIn.faults, close: () => standIn.close() };
}
