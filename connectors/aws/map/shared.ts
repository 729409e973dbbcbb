/** What every mapping module shares: payload errors that fail the scope, and small helpers. */
import { ApiError } from '../../../src/connector/index.js';

export function invalidPayload(operation: string, detail: string): ApiError {
  return new ApiError({
    provider: 'aws',
    operation,
    kind: 'invalid-response',
    code: 'InvalidResponse',
    detail,
  });
}

/** The value, or an invalid-response error naming what is missing. */
export function required<T>(value: T | undefined | null, what: string, operation: string): T {
  if (value === undefined || value === null || value === '')
    throw invalidPayload(operation, `${what} is missing`);
  return value;
}

export const GAAD = 'iam:GetAccountAuthorizationDetails';
export const CREDENTIAL_REPORT = 'iam:GetCredentialReport';

/** The latest of some ISO dates (ISO strings in UTC sort as dates); null when none. */
export function latest(...dates: (string | null | undefined)[]): string | null {
  let best: string | null = null;
  for (const d of dates) if (d && (best === null || d > best)) best = d;
  return best;
}
