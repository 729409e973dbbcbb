/**
 * Owner signals a GitHub scan adds to what the inventories map, all free of charge in calls:
 * - CODEOWNERS of each repository that holds secrets or deploy keys (at most three contents
 *   reads, in the order GitHub looks: `.github/`, the root, `docs/`), as candidates for them;
 * - repository custom properties `owner`/`team` (one organization-level listing), as tags of
 *   the repository and its environments;
 * - organization membership (one listing): a PAT owner, deploy-key `added_by`, SSO-authorized
 *   user, user-owned App or CODEOWNERS user who is not a member any more has departed.
 * A refusal of any of them is a gap that hides no record: only attribution is not evaluated.
 */
import {
  CODEOWNERS_PATHS,
  codeownersCandidates,
  ownerCandidatesFromTags,
} from '../../src/connector/index.js';
import type { Identity, OwnerCandidate } from '../../src/model/index.js';
import { isNotFound, type GitHubClient } from './client.js';
import type { Mapped } from './map/index.js';
import { ContentSchema, MemberSchema, RepoPropertiesSchema, list } from './schema.js';

export interface CodeownersFile {
  path: string;
  text: string;
}

/** What CODEOWNERS answers for, by credential type (webhook secrets are not read by workflows). */
const GUARDS: Record<string, 'secret' | 'deploy-key'> = {
  'deploy-key': 'deploy-key',
  'actions-secret': 'secret',
  'dependabot-secret': 'secret',
};

/** Does this repository hold anything CODEOWNERS could answer for? */
export const needsCodeowners = (mapped: Mapped): boolean =>
  mapped.credentials.some((c) => GUARDS[c.type] !== undefined);

/**
 * The repository's CODEOWNERS: the first of GitHub's places holding a file; null when none
 * does (404). A refusal (403) is thrown for the caller's gap.
 */
export async function readCodeowners(
  client: GitHubClient,
  owner: string,
  repo: string,
): Promise<CodeownersFile | null> {
  for (const path of CODEOWNERS_PATHS) {
    let doc;
    try {
      doc = await client.get(
        'GET /repos/{owner}/{repo}/contents/{path}',
        { owner, repo, path },
        ContentSchema,
      );
    } catch (e) {
      if (isNotFound(e)) continue;
      throw e;
    }
    if (Array.isArray(doc) || doc.type !== 'file') continue;
    // Files over 1 MB come without content (encoding "none"); GitHub ignores CODEOWNERS over 3 MB.
    const text =
      doc.encoding === 'base64'
        ? Buffer.from(doc.content ?? '', 'base64').toString('utf8')
        : (doc.content ?? '');
    return { path, text };
  }
  return null;
}

function addCandidates(attributes: Record<string, unknown>, more: OwnerCandidate[]): void {
  if (!more.length) return;
  const had = Array.isArray(attributes.ownerCandidates)
    ? (attributes.ownerCandidates as OwnerCandidate[])
    : [];
  attributes.ownerCandidates = [...had, ...more];
}

/** CODEOWNERS as candidates for the secrets and deploy keys of its repository. */
export function applyCodeowners(mapped: Mapped, file: CodeownersFile): void {
  for (const c of mapped.credentials) {
    const guards = GUARDS[c.type];
    if (guards) addCandidates(c.attributes, codeownersCandidates(file.text, guards, file.path));
  }
}

/** Lower-case repository full name -> its custom properties (a multi-select joined by ", "). */
export type RepoProperties = Map<string, Record<string, string>>;

export async function readProperties(client: GitHubClient, org: string): Promise<RepoProperties> {
  const out: RepoProperties = new Map();
  const items = await client.list(
    'GET /orgs/{org}/properties/values',
    { org },
    list(RepoPropertiesSchema),
  );
  for (const r of items) {
    const values: Record<string, string> = {};
    for (const p of r.properties) {
      if (p.value === null) continue;
      values[p.property_name] = Array.isArray(p.value) ? p.value.join(', ') : p.value;
    }
    out.set(r.repository_full_name.toLowerCase(), values);
  }
  return out;
}

/** Custom properties `owner`/`team` on the repository and its environments (high: declared). */
export function applyProperties(identities: Identity[], props: RepoProperties): void {
  for (const i of identities) {
    const repo =
      i.kind === 'repository'
        ? i.name
        : i.kind === 'environment' && typeof i.attributes.repository === 'string'
          ? i.attributes.repository
          : null;
    const values = repo ? props.get(repo.toLowerCase()) : undefined;
    if (values)
      addCandidates(i.attributes, ownerCandidatesFromTags(values, 'GitHub custom property'));
  }
}

/** Lower-case logins of the organization's members (concealed ones too, for a member's token). */
export async function readMembers(client: GitHubClient, org: string): Promise<Set<string>> {
  const members = await client.list('GET /orgs/{org}/members', { org }, list(MemberSchema));
  return new Set(members.map((m) => m.login.toLowerCase()));
}

/** A GitHub login (not an e-mail or an `org/team`). */
const LOGIN = /^[a-z\d](?:[a-z\d-]{0,38})$/i;
/** Signals naming a GitHub account whose membership tells a departure. */
const ACCOUNT_SOURCES = new Set<OwnerCandidate['source']>([
  'provider-owner',
  'creator',
  'codeowners',
]);

function departedIn(members: Set<string> | null, login: unknown): boolean | null {
  if (members === null || typeof login !== 'string' || !LOGIN.test(login)) return null;
  return !members.has(login.toLowerCase());
}

function markCandidates(attributes: Record<string, unknown>, members: Set<string> | null): void {
  if (!Array.isArray(attributes.ownerCandidates)) return;
  attributes.ownerCandidates = (attributes.ownerCandidates as OwnerCandidate[]).map((c) =>
    ACCOUNT_SOURCES.has(c.source) && c.owner ? { ...c, departed: departedIn(members, c.owner) } : c,
  );
}

/**
 * Owners who left: every account named as an owner is checked against the membership list
 * (`members` null: not read, so departures stay unknown). A user-owned App's owner becomes a
 * candidate of the App.
 */
export function applyMembership(mapped: Mapped, members: Set<string> | null): void {
  for (const i of mapped.identities) {
    if (i.kind === 'github-user') i.attributes.departed = departedIn(members, i.attributes.login);
    if (i.kind === 'github-app' && i.attributes.appOwnerType === 'User') {
      addCandidates(i.attributes, [
        {
          owner: String(i.attributes.appOwner),
          source: 'provider-owner',
          via: 'GitHub App owner (a user account)',
          confidence: 'medium',
        },
      ]);
    }
    markCandidates(i.attributes, members);
  }
  for (const c of mapped.credentials) {
    if (typeof c.attributes.owner === 'string')
      c.attributes.ownerDeparted = departedIn(members, c.attributes.owner);
    markCandidates(c.attributes, members);
  }
}
