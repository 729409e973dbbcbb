/**
 * Deploy-key rotation. GitHub cannot change a key, so a rotation (and a trim from write to
 * read) adds a new key and deletes the old one: a fresh Ed25519 pair made here (node:crypto),
 * its public half added to the repository under the old key's title plus a marker, its private
 * half (OpenSSH format, written by sshpk: node cannot write that format) handed to the engine,
 * which puts it in the sink. The private key is never logged, journaled or put in an error.
 *
 * nhi cannot sign in with a deploy key (that would take the repository's SSH endpoint), so the
 * proof is what GitHub lists: a key whose public half is the delivered private key's, with the
 * access intended (read-only for a trim, the old key's access for a rotation).
 */
import { generateKeyPairSync } from 'node:crypto';
import sshpk from 'sshpk';
import type {
  ActionResult,
  CredentialRef,
  Proof,
  SecretMaterial,
} from '../../src/connector/index.js';
import { UserError } from '../../src/connector/index.js';
import type { Credential, ReplacementSpec } from '../../src/model/index.js';
import type { GitHubClient } from './client.js';
import { isNotFound } from './client.js';
import * as m from './map/index.js';

/** The name the private key is delivered under (one value: a sink with `:NAME` stores it raw). */
export const PRIVATE_KEY_NAME = 'SSH_PRIVATE_KEY';

const MARKER = / \(nhi rotation \d{4}-\d{2}-\d{2}\)$/;

/** The old title with one marker saying nhi made it and when (a repeated rotation keeps one). */
export function replacementTitle(old: string, now: Date): string {
  return `${old.replace(MARKER, '')} (nhi rotation ${now.toISOString().slice(0, 10)})`;
}

export interface DeployKeyPair {
  /** `ssh-ed25519 AAAA…`, as GitHub takes it. */
  publicKey: string;
  /** The OpenSSH private key file's text. A secret. */
  privateKey: string;
}

export function newDeployKeyPair(): DeployKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const key = sshpk.parsePrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }), 'pem');
  key.comment = 'nhi deploy key';
  return {
    publicKey: key.toPublic().toString('ssh').split(' ').slice(0, 2).join(' '),
    privateKey: key.toString('openssh'),
  };
}

/** The SHA256 fingerprint of the public half of an OpenSSH private key; null if it is none. */
export function fingerprintOfPrivateKey(privateKey: string): string | null {
  try {
    const pub = sshpk.parsePrivateKey(privateKey, 'openssh').toPublic().toString('ssh');
    return m.sshFingerprint(pub);
  } catch {
    // The parser's message could quote the key: nothing of it is kept.
    return null;
  }
}

/** `deploy-key:owner/repo:ID` -> ID: the credential is named by its external id, never its attributes. */
export function deployKeyId(ref: CredentialRef): number {
  const id = Number(ref.credentialExternalId.split(':').pop());
  if (!Number.isInteger(id) || id <= 0)
    throw new UserError(`github: ${ref.credentialExternalId} is not a deploy key id`);
  return id;
}

interface Where {
  client: GitHubClient;
  owner: string;
  repo: string;
}

async function readKey(w: Where, keyId: number): Promise<m.DeployKeyPayload | null> {
  const path = `GET /repos/${w.owner}/${w.repo}/keys/${keyId}`;
  try {
    const data = await w.client.get('GET /repos/{owner}/{repo}/keys/{key_id}', {
      owner: w.owner,
      repo: w.repo,
      key_id: keyId,
    });
    return m.parseOne(m.DeployKeySchema, data, path);
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
}

/** The read_only the replacement must have: read-only when narrowed, else the old key's. */
function intendedReadOnly(oldReadOnly: boolean, want: ReplacementSpec | undefined): boolean {
  return want?.access === 'read' ? true : oldReadOnly;
}

export async function createReplacement(
  w: Where,
  ref: CredentialRef,
  now: Date,
  want: ReplacementSpec | undefined,
): Promise<{ result: ActionResult; credential: Credential; secret: SecretMaterial }> {
  const old = await readKey(w, deployKeyId(ref));
  if (!old)
    throw new UserError(
      `github: ${ref.credentialExternalId} no longer exists: there is nothing to replace`,
    );
  const pair = newDeployKeyPair();
  const { data, requestId } = await w.client.create(
    'POST /repos/{owner}/{repo}/keys',
    {
      owner: w.owner,
      repo: w.repo,
      title: replacementTitle(old.title, now),
      key: pair.publicKey,
      read_only: intendedReadOnly(old.read_only, want),
    },
    m.DeployKeySchema,
  );
  const credential = m.mapDeployKeys(`${w.owner}/${w.repo}`, [data]).credentials[0]!;
  return {
    result: { requestId },
    credential,
    secret: { values: { [PRIVATE_KEY_NAME]: pair.privateKey } },
  };
}

/** GitHub lists the new key, as the delivered key's public half, with the intended access. */
export async function proveReplacement(
  w: Where,
  ref: CredentialRef,
  secret: SecretMaterial,
  want: ReplacementSpec | undefined,
): Promise<Proof> {
  const id = deployKeyId(ref);
  const key = await readKey(w, id);
  if (!key) throw new Error(`GitHub does not list the new deploy key ${id}`);
  const delivered = fingerprintOfPrivateKey(secret.values[PRIVATE_KEY_NAME] ?? '');
  if (!delivered) throw new Error('the delivered value is not an OpenSSH private key');
  const listed = key.key ? m.sshFingerprint(key.key) : null;
  if (listed !== delivered)
    throw new Error(
      `GitHub lists deploy key ${id} as ${listed ?? 'a key without a public half'}, not the delivered key ${delivered}`,
    );
  const readOnly = intendedReadOnly(ref.attributes.readOnly === true, want);
  const access = (ro: boolean) => (ro ? 'read-only' : 'read/write');
  if (key.read_only !== readOnly)
    throw new Error(
      `the new deploy key ${id} is ${access(key.read_only)}, not ${access(readOnly)} as intended`,
    );
  if (key.enabled === false) throw new Error(`the new deploy key ${id} is disabled`);
  return { principal: `deploy key ${delivered} (${access(readOnly)}) of ${w.owner}/${w.repo}` };
}
