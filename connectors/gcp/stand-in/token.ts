/**
 * The stand-in's OAuth 2.0 token endpoint for the JWT-bearer grant (RFC 7523), as Google's
 * `https://oauth2.googleapis.com/token` answers it: the assertion must be an RS256 JWT from
 * `iss` = a service account, signed with the private key of one of the keys the stand-in
 * issued to it that is enabled (the one `kid` names, when the JWT names one; the Google client
 * libraries do not), for Google's token audience, and not expired. Errors are Google's
 * `{error, error_description}`.
 */
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { serviceAccountEmail, type GcpEstate } from './estate.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const AUDIENCE = 'https://oauth2.googleapis.com/token';

export interface TokenReply {
  status: number;
  body: Record<string, unknown>;
}

const refuse = (description: string, error = 'invalid_grant'): TokenReply => ({
  status: 400,
  body: { error, error_description: description },
});

function decode(part: string): Record<string, unknown> | null {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

export function jwtBearerToken(estate: GcpEstate, form: URLSearchParams, now: Date): TokenReply {
  if (form.get('grant_type') !== JWT_BEARER)
    return refuse('Invalid grant_type', 'unsupported_grant_type');
  const parts = (form.get('assertion') ?? '').split('.');
  if (parts.length !== 3) return refuse('Invalid JWT: Token must be a short-lived token');
  const [h, c, sig] = parts as [string, string, string];
  const header = decode(h);
  const claims = decode(c);
  if (!header || !claims || header.alg !== 'RS256') return refuse('Invalid JWT: bad header');
  const iss = claims.iss;
  const sa = estate.projects
    .flatMap((p) => p.serviceAccounts.map((s) => ({ p, s })))
    .find(({ p, s }) => serviceAccountEmail(p, s) === iss);
  const candidates = (sa?.s.keys ?? []).filter(
    (k) => k.publicKeyPem && (header.kid === undefined || k.keyId === header.kid),
  );
  const key = candidates.find((k) =>
    verify(
      'RSA-SHA256',
      Buffer.from(`${h}.${c}`),
      createPublicKey(k.publicKeyPem!),
      Buffer.from(sig, 'base64url'),
    ),
  );
  // A disabled key, or a key of a disabled account, signs nothing Google accepts.
  if (!sa || !key || key.disabled || sa.s.disabled) return refuse('Invalid JWT Signature.');
  if (claims.aud !== AUDIENCE) return refuse('Invalid JWT: Failed audience check.');
  const t = now.getTime() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp < t || typeof claims.iat !== 'number')
    return refuse('Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.');
  return {
    status: 200,
    body: {
      access_token: `ya29.stand-in-${randomBytes(16).toString('hex')}`,
      expires_in: 3599,
      token_type: 'Bearer',
    },
  };
}
