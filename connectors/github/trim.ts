/**
 * `nhi trim` on GitHub. GitHub lets nobody edit a grant in place: a deploy key's read/write
 * access is fixed when it is added; an App installation's permissions are what its App
 * requests, accepted by an organization owner in the UI; a fine-grained PAT's repositories are
 * edited only by its owner. So the plan names, per credential, the exact `gh` command or
 * settings page (on the configured host: GHES aware), the evidence the scan has, and why.
 *
 * One thing nhi does itself: a write deploy key is replaced by a read-only one through a
 * rotation (deploy-keys.ts), the new private key delivered to a sink the user names
 * (`nhi trim <repo> --sink … --apply`). Only a key unused in the window is evidence that its
 * write access is unused; for any other key the user must confirm it (`--confirm-unused`).
 */
import type {
  ConnectorContext,
  ManualTrim,
  PermissionDiffLine,
  StoredCredential,
  StoredGrant,
  TrimActions,
  TrimReplacement,
  TrimSubject,
} from '../../src/connector/index.js';
import { UserError } from '../../src/connector/index.js';
import { PRIVATE_KEY_NAME } from './deploy-keys.js';

const DAY_MS = 86_400_000;

/** The web root for the configured API root: github.com, or the GHES host (`/api/v3` dropped). */
export function webRoot(ctx: Pick<ConnectorContext, 'options' | 'env'>): string {
  const opts = ctx.options as { apiUrl?: string };
  const api = opts.apiUrl ?? ctx.env.GITHUB_API_URL ?? 'https://api.github.com';
  try {
    const u = new URL(api);
    if (u.hostname === 'api.github.com') return 'https://github.com';
    const path = u.pathname.replace(/\/+$/, '').replace(/\/api\/v3$/, '');
    return `${u.origin}${path}`;
  } catch {
    return 'https://github.com';
  }
}

// Controls, DEL, C1, line/paragraph separators and bidi marks: never shown raw.
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- control characters are what it quotes
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A shell word: bare when plainly safe, else single-quoted; a name holding control or bidi
 * characters becomes one ANSI-C quoted word (`$'…\r\n…'`, bash and zsh), so the plan stays
 * one line per step on a terminal and the command still receives the exact name.
 */
export function sh(word: string): string {
  if (/^[A-Za-z0-9_./:@-]+$/.test(word)) return word;
  if (!new RegExp(UNSAFE.source).test(word)) return `'${word.replace(/'/g, `'\\''`)}'`;
  const body = word
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `$'${body}'`;
}

/** A path segment of a settings URL, percent-encoded (a hostile name cannot change the path). */
const seg = (s: string) => encodeURIComponent(s);

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function daysAgo(at: string | null, now: Date): number | null {
  return at === null ? null : Math.floor((now.getTime() - new Date(at).getTime()) / DAY_MS);
}

function lastUse(c: StoredCredential, now: Date): string {
  if (!c.lastUsedKnown) return 'GitHub reports no last use for it';
  const d = daysAgo(c.lastUsedAt, now);
  return d === null ? 'never used (GitHub last_used)' : `last used ${d} days ago (GitHub)`;
}

function line(
  source: string,
  g: Pick<StoredGrant, 'permission' | 'lastUsedAt'>,
  change: PermissionDiffLine['change'],
  evidence: string,
): PermissionDiffLine {
  return {
    source,
    permission: g.permission,
    service: g.permission.split(':')[0]!,
    change,
    lastUsedAt: g.lastUsedAt,
    evidence,
  };
}

function deployKeys(
  web: string,
  subject: TrimSubject,
  creds: readonly StoredCredential[],
  grants: readonly StoredGrant[],
  windowDays: number,
  now: Date,
  out: ManualTrim & { replacements: TrimReplacement[] },
): void {
  for (const c of creds) {
    if (c.type !== 'deploy-key' || c.status !== 'active') continue;
    const repo = str(c.attributes.repository) ?? '';
    const keyId = String(c.attributes.keyId ?? '');
    const title = c.name ?? `deploy key ${keyId}`;
    const source = `deploy key ${sh(title)} (${str(c.attributes.handle) ?? keyId})`;
    const evidence = lastUse(c, now);
    const own = grants.filter((g) => g.credentialId === c.id);
    const d = daysAgo(c.lastUsedAt, now);
    const unused = c.lastUsedKnown && (d === null || d > windowDays);
    const readOnly = c.attributes.readOnly !== false;
    if (unused)
      out.steps.push(
        `deploy key ${sh(title)} of ${repo} was ${d === null ? 'never used' : `not used for ${d} days`}: delete it: nhi revoke ${c.id} (plan, then --apply; a deleted key cannot be restored)${readOnly ? '' : '; or, if it is still needed:'}`,
      );
    if (readOnly) {
      for (const g of own)
        out.diff.push(
          line(source, g, unused ? 'removed' : 'kept', `read-only already; ${evidence}`),
        );
      continue;
    }
    // GitHub records a key's last use, not whether it pushed: only a key not used at all in
    // the window is evidence that its write access is unused.
    const why = unused
      ? `${d === null ? 'never used' : `not used at all for ${d} days`} (GitHub last_used, window ${windowDays} days), so its write access is unused`
      : `${evidence}, and GitHub does not record whether a deploy key pushed: the scan has no evidence either way that its write access is unused`;
    for (const g of own)
      out.diff.push(
        line(source, g, 'removed', unused ? why : `${why}; applying needs --confirm-unused`),
      );
    out.diff.push(
      line(
        source,
        { permission: 'contents:read', lastUsedAt: null },
        'added',
        'read-only replacement',
      ),
    );
    out.replacements.push({
      credentialId: c.id,
      credentialExternalId: c.externalId,
      name: c.name,
      replacement: { access: 'read', why, evidenced: unused },
    });
    const file = `deploy-key-${keyId}`;
    out.steps.push(
      [
        `replace write deploy key ${sh(title)} (id ${keyId}) of ${repo} with a read-only key.`,
        `with nhi: nhi trim ${sh(subject.identityExternalId)} --sink <scheme>:<target> --apply${unused ? '' : ' --confirm-unused'} (adds a read-only key, delivers its private key to the sink as ${PRIVATE_KEY_NAME}, verifies both, then deletes this key; the old key works until then)`,
        ...(unused
          ? []
          : [
              `no evidence either way: confirm nothing pushes with it (CI jobs, Argo CD/Flux write-back, release bots) before adding --confirm-unused.`,
            ]),
        `why a sink: GitHub cannot make an existing key read-only, so a new key pair replaces it, and its private key must reach wherever the old one is used.`,
        `or by hand, run: ssh-keygen -t ed25519 -N '' -f ${sh(file)} && gh repo deploy-key add ${sh(`${file}.pub`)} --repo ${sh(repo)} --title ${sh(`${title} (read-only)`)}`,
        `(gh adds read-only keys unless --allow-write is given), install ${sh(file)} where the old key is used, then: gh repo deploy-key delete ${sh(keyId)} --repo ${sh(repo)}`,
        `or in the UI: ${web}/${repo.split('/').map(seg).join('/')}/settings/keys (Add deploy key, leave "Allow write access" unticked; delete the old key)`,
      ].join('\n'),
    );
  }
}

function installations(
  web: string,
  org: string,
  creds: readonly StoredCredential[],
  grants: readonly StoredGrant[],
  attrs: Record<string, unknown>,
  out: ManualTrim,
): void {
  for (const c of creds) {
    if (c.type !== 'app-installation') continue;
    const slug = str(attrs.appSlug) ?? c.name ?? '';
    const id = String(c.attributes.installationId ?? '');
    const source = `GitHub App ${sh(slug)} installation ${id}`;
    const own = grants.filter((g) => g.credentialId === c.id);
    const broad = own.filter((g) => g.privilege === 'write' || g.privilege === 'admin');
    for (const g of own)
      out.diff.push(
        line(
          source,
          g,
          'kept',
          `${str(g.attributes.level) ?? g.privilege}: GitHub reports no per-permission use for installations`,
        ),
      );
    const url = `${web}/organizations/${seg(org)}/settings/installations/${seg(id)}`;
    if (c.attributes.repositorySelection === 'all')
      out.steps.push(
        `limit ${sh(slug)} to the repositories it needs: ${url} → Repository access → "Only select repositories", pick them, Save.\nwhy manual: which repositories it uses is not in the scan (GitHub does not report installation use).`,
      );
    if (broad.length)
      out.steps.push(
        `review ${sh(slug)}'s write/admin permissions (${broad.map((g) => `${g.permission}:${str(g.attributes.level) ?? g.privilege}`).join(', ')}): they are set by the App's owner${attrs.thirdParty === true ? ` (${sh(str(attrs.appOwner) ?? 'a third party')})` : ''}; ask for fewer, or if it is yours change them in the App's settings (Permissions & events), then accept the change at ${url}.\nwhy manual: an installation accepts what its App requests; there is no API to lower one permission.`,
      );
  }
}

function pats(
  web: string,
  org: string,
  creds: readonly StoredCredential[],
  grants: readonly StoredGrant[],
  windowDays: number,
  now: Date,
  out: ManualTrim,
): void {
  for (const c of creds) {
    if (c.type !== 'fine-grained-pat' || c.status !== 'active') continue;
    const name = c.name ?? '';
    const tokenId = String(c.attributes.tokenId ?? '');
    const source = `fine-grained PAT ${sh(name)} (token id ${tokenId})`;
    const d = daysAgo(c.lastUsedAt, now);
    const unused = c.lastUsedKnown && (d === null || d > windowDays);
    const evidence = lastUse(c, now);
    const own = grants.filter((g) => g.credentialId === c.id);
    for (const g of own)
      out.diff.push(
        line(
          source,
          g,
          unused ? 'removed' : 'kept',
          unused ? `${evidence}; window ${windowDays} days` : evidence,
        ),
      );
    const orgUrl = `${web}/organizations/${seg(org)}/settings/personal-access-tokens/active`;
    if (unused)
      out.steps.push(
        `revoke ${sh(name)}'s access to ${org}: it was ${d === null ? 'never used' : `not used for ${d} days`}. With nhi: nhi revoke ${c.id} (plan, then --apply). An organization owner in the UI: ${orgUrl} → the token → Revoke; or its owner ${sh(str(c.attributes.owner) ?? '')} deletes it at ${web}/settings/personal-access-tokens/${seg(tokenId)}.\nwhy manual: GitHub lets an organization only revoke a token's access, not narrow it.`,
      );
    else if (c.attributes.repositorySelection === 'all')
      out.steps.push(
        `ask ${sh(str(c.attributes.owner) ?? '')} to limit ${sh(name)} to the repositories it needs: ${web}/settings/personal-access-tokens/${seg(tokenId)} → Repository access → "Only select repositories".\nwhy manual: only a token's owner edits its repositories; GitHub reports the token's last use (${evidence}), not which repositories it touched.`,
      );
  }
}

/** Classic PATs, SSH keys and OAuth tokens authorized for the organization's SAML SSO. */
function authorizations(
  web: string,
  org: string,
  creds: readonly StoredCredential[],
  grants: readonly StoredGrant[],
  windowDays: number,
  now: Date,
  out: ManualTrim,
): void {
  for (const c of creds) {
    if (!c.externalId.startsWith('credential-authorization:') || c.status !== 'active') continue;
    const source = `${str(c.attributes.credentialType) ?? c.type} ${sh(str(c.attributes.handle) ?? c.externalId)}`;
    const d = daysAgo(c.lastUsedAt, now);
    const unused = c.lastUsedKnown && (d === null || d > windowDays);
    const evidence = lastUse(c, now);
    for (const g of grants.filter((x) => x.credentialId === c.id))
      out.diff.push(
        line(
          source,
          g,
          unused ? 'removed' : 'kept',
          unused ? `${evidence}; window ${windowDays} days` : evidence,
        ),
      );
    const sso = `${web}/orgs/${seg(org)}/people/${seg(str(c.attributes.owner) ?? '')}/sso`;
    if (unused)
      out.steps.push(
        `remove the SSO authorization of ${source} for ${org}: it was ${d === null ? 'never used' : `not used for ${d} days`}. With nhi: nhi revoke ${c.id} (plan, then --apply); in the UI: ${sso} → Revoke.\nwhy manual here: a classic token's scopes are edited only by its owner (${web}/settings/tokens); the organization can only remove its authorization.`,
      );
  }
}

export const trim: TrimActions = {
  permissionsOf: () => [],
  narrow: () => null,
  read: () => Promise.resolve([]),
  write() {
    throw new UserError('github: trim is manual; nhi changes nothing on GitHub');
  },
  restore() {
    throw new UserError('github: trim is manual; nothing to restore');
  },
  manual(ctx, subject, evidence) {
    const web = webRoot(ctx);
    const org = subject.scope.id;
    const out: ManualTrim & { replacements: TrimReplacement[] } = {
      diff: [],
      steps: [],
      usageSource: 'the last use GitHub reports per credential, from the scan',
      replacements: [],
    };
    const { credentials, grants, windowDays, now } = evidence;
    if (subject.identityKind === 'repository')
      deployKeys(web, subject, credentials, grants, windowDays, now, out);
    else if (subject.identityKind === 'github-app')
      installations(web, org, credentials, grants, subject.attributes, out);
    else if (subject.identityKind === 'github-user') {
      pats(web, org, credentials, grants, windowDays, now, out);
      authorizations(web, org, credentials, grants, windowDays, now, out);
    } else
      throw new UserError(
        `github: nhi trims repositories (deploy keys), GitHub Apps (installations) and users (fine-grained PATs), not a ${subject.identityKind}`,
      );
    return out;
  },
};
