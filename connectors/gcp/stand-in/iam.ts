/**
 * IAM v1 on the stand-in: service accounts and their keys (list, get, disable, enable,
 * delete, create). Payloads are typed with @googleapis/iam's own response types.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { iam_v1 } from '@googleapis/iam';
import type { Route } from '../../../src/connector/stand-in.js';
import {
  NEVER_EXPIRES,
  serviceAccountEmail,
  type StandInKey,
  type StandInProject,
  type StandInServiceAccount,
} from './estate.js';
import { RpcError, seconds, type StandInState } from './state.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export function renderServiceAccount(
  project: StandInProject,
  sa: StandInServiceAccount,
): iam_v1.Schema$ServiceAccount {
  const email = serviceAccountEmail(project, sa);
  return {
    name: `projects/${project.projectId}/serviceAccounts/${email}`,
    projectId: project.projectId,
    uniqueId: sa.uniqueId,
    email,
    ...(sa.displayName ? { displayName: sa.displayName } : {}),
    ...(sa.description ? { description: sa.description } : {}),
    etag: 'MDEwMjE5MjA=',
    oauth2ClientId: sa.uniqueId,
    ...(sa.disabled ? { disabled: true } : {}),
  };
}

export function renderKey(
  project: StandInProject,
  sa: StandInServiceAccount,
  k: StandInKey,
): iam_v1.Schema$ServiceAccountKey {
  return {
    name: `projects/${project.projectId}/serviceAccounts/${serviceAccountEmail(project, sa)}/keys/${k.keyId}`,
    validAfterTime: k.validAfterTime,
    validBeforeTime: k.validBeforeTime,
    keyAlgorithm: 'KEY_ALG_RSA_2048',
    keyOrigin: k.keyOrigin ?? 'GOOGLE_PROVIDED',
    keyType: k.keyType,
    ...(k.disabled ? { disabled: true } : {}),
    ...(k.exposed
      ? {
          disableReason: 'SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED',
          extendedStatus: [
            {
              key: 'SERVICE_ACCOUNT_KEY_EXPOSED',
              value: 'https://github.com/orbital-freight/leak',
            },
          ],
        }
      : {}),
  };
}

/** A new user-managed key; the stand-in keeps its public key so the token endpoint can verify. */
async function createKey(
  s: StandInState,
  project: StandInProject,
  sa: StandInServiceAccount,
  body: Record<string, unknown>,
): Promise<iam_v1.Schema$ServiceAccountKey> {
  if (sa.keys.filter((k) => k.keyType === 'USER_MANAGED').length >= 10)
    throw new RpcError(400, 'FAILED_PRECONDITION', 'Precondition check failed.');
  const keyId = randomBytes(20).toString('hex');
  const key: StandInKey = {
    keyId,
    keyType: 'USER_MANAGED',
    keyOrigin: 'GOOGLE_PROVIDED',
    validAfterTime: seconds(s.now().toISOString()),
    validBeforeTime: NEVER_EXPIRES,
  };
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  key.publicKeyPem = publicKey;
  sa.keys.push(key);
  const email = serviceAccountEmail(project, sa);
  const credentialsFile = {
    type: 'service_account',
    project_id: project.projectId,
    private_key_id: keyId,
    private_key: privateKey,
    client_email: email,
    client_id: sa.uniqueId,
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
    universe_domain: 'googleapis.com',
  };
  return {
    ...renderKey(project, sa, key),
    privateKeyType:
      typeof body.privateKeyType === 'string'
        ? body.privateKeyType
        : 'TYPE_GOOGLE_CREDENTIALS_FILE',
    privateKeyData: Buffer.from(JSON.stringify(credentialsFile)).toString('base64'),
  };
}

const SA = String.raw`/v1/projects/(?<p>[^/]+)/serviceAccounts/(?<sa>[^/]+)`;

export function iamRoutes(s: StandInState): Route[] {
  const keyOf = (p: string, sa: string, id: string) => {
    const found = s.serviceAccount(p, sa);
    const key = found.sa.keys.find((k) => k.keyId === id);
    if (!key) throw new RpcError(404, 'NOT_FOUND', `Service account key ${id} does not exist.`);
    return { ...found, key };
  };
  return [
    {
      method: 'GET',
      path: /\/v1\/projects\/(?<p>[^/]+)\/serviceAccounts/,
      handle: (req, { p }) => {
        const project = s.project(p!, 'iam');
        const accounts = project.serviceAccounts.map((sa) => renderServiceAccount(project, sa));
        return s.page(req, accounts, 'accounts', { default: 20, max: 100 });
      },
    },
    {
      method: 'GET',
      path: new RegExp(`${SA}/keys`),
      handle: (req, params) => {
        const { project, sa } = s.serviceAccount(params.p!, params.sa!);
        const types = req.query.getAll('keyTypes');
        const keys = sa.keys.filter((k) => types.length === 0 || types.includes(k.keyType));
        return {
          body: {
            keys: keys.map((k) => renderKey(project, sa, k)),
          } satisfies iam_v1.Schema$ListServiceAccountKeysResponse,
        };
      },
    },
    {
      method: 'POST',
      path: new RegExp(`${SA}/keys`),
      handle: async (req, params) => {
        const { project, sa } = s.serviceAccount(params.p!, params.sa!);
        return { body: await createKey(s, project, sa, req.json() as Record<string, unknown>) };
      },
    },
    {
      method: 'GET',
      path: new RegExp(`${SA}/keys/(?<k>[^/:]+)`),
      handle: (_req, { p, sa, k }) => {
        const found = keyOf(p!, sa!, k!);
        return { body: renderKey(found.project, found.sa, found.key) };
      },
    },
    {
      method: 'POST',
      path: new RegExp(`${SA}/keys/(?<k>[^/:]+):(?<verb>disable|enable)`),
      handle: (_req, { p, sa, k, verb }) => {
        keyOf(p!, sa!, k!).key.disabled = verb === 'disable';
        return { body: {} };
      },
    },
    {
      method: 'DELETE',
      path: new RegExp(`${SA}/keys/(?<k>[^/:]+)`),
      handle: (_req, { p, sa, k }) => {
        const found = keyOf(p!, sa!, k!);
        found.sa.keys.splice(found.sa.keys.indexOf(found.key), 1);
        return { body: {} };
      },
    },
  ];
}
