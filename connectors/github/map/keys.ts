/** Deploy keys: SSH keys that read or write one repository. */
import { createHash } from 'node:crypto';
import { isoOrNull } from '../../../src/connector/index.js';
import type { OwnerCandidate } from '../../../src/model/index.js';
import type { DeployKeyPayload } from '../schema.js';
import { ids, none, type Mapped } from './identities.js';

/**
 * The SHA256 fingerprint of an OpenSSH public key ("ssh-ed25519 AAAA… comment"), as
 * `ssh-keygen -lf` and GitHub's settings pages print it; null when it is not one.
 */
export function sshFingerprint(publicKey: string): string | null {
  const blob = publicKey.trim().split(/\s+/)[1];
  if (!blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return null;
  const bytes = Buffer.from(blob, 'base64');
  // The blob starts with the key type, length-prefixed: a 4-byte length and a name.
  if (bytes.length < 8 || bytes.readUInt32BE(0) > bytes.length - 4) return null;
  return `SHA256:${createHash('sha256').update(bytes).digest('base64').replace(/=+$/, '')}`;
}

/** Deploy keys of one repository: read-only or write SSH access to that repository. */
export function mapDeployKeys(repoFullName: string, items: DeployKeyPayload[]): Mapped {
  const out = none();
  const holder = ids.repo(repoFullName);
  for (const k of items) {
    const credId = `deploy-key:${repoFullName}:${k.id}`;
    // Older GHES omit last_used: then "never used" cannot be told from "not reported".
    const lastUsedKnown = 'last_used' in k;
    const lastUsedAt = lastUsedKnown ? isoOrNull(k.last_used) : null;
    const fingerprint = k.key ? sshFingerprint(k.key) : null;
    out.credentials.push({
      externalId: credId,
      identityExternalId: holder,
      type: 'deploy-key',
      name: k.title,
      status: k.enabled === false ? 'inactive' : 'active',
      createdAt: isoOrNull(k.created_at),
      expiresAt: null,
      lastUsedAt,
      lastUsedKnown,
      attributes: {
        handle: fingerprint ?? `deploy key ${k.id}`,
        ...(fingerprint ? { fingerprint } : {}),
        keyId: k.id,
        repository: repoFullName,
        readOnly: k.read_only,
        owner: k.added_by ?? null,
        addedBy: k.added_by ?? null,
        ownerCandidates: k.added_by
          ? [
              {
                owner: k.added_by,
                source: 'creator',
                via: 'GitHub deploy key added_by',
                confidence: 'medium',
              } satisfies OwnerCandidate,
            ]
          : [],
      },
    });
    const access = k.read_only ? 'read' : 'write';
    out.grants.push({
      externalId: `${credId}|contents`,
      identityExternalId: holder,
      credentialExternalId: credId,
      permission: `contents:${access}`,
      resource: repoFullName,
      privilege: access,
      source: 'deploy key',
      grantedAt: isoOrNull(k.created_at),
      lastUsedAt,
      lastUsedKnown,
      attributes: {},
    });
  }
  return out;
}
