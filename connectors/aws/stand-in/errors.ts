/** An AWS error as the stand-in's handlers raise it; the protocol layer renders it. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * The error codes a test can ask for by name (`faults.add({ action, kind })`), with the status
 * AWS answers them with; JSON services name some of them differently.
 */
export const ERROR_STATUS: Record<string, number> = {
  AccessDenied: 403,
  Throttling: 400,
  ServiceUnavailable: 503,
  InternalFailure: 500,
  ReportInProgress: 404,
  ReportNotPresent: 410,
  ReportExpired: 410,
};

const JSON_NAMES: Record<string, string> = {
  AccessDenied: 'AccessDeniedException',
  Throttling: 'TooManyRequestsException',
  ServiceUnavailable: 'ServiceException',
  InternalFailure: 'InternalServiceError',
};

/** The error for a named kind, as a query (IAM, STS) or JSON (Organizations…) service names it. */
export function namedError(kind: string, json: boolean): AwsError {
  const status = ERROR_STATUS[kind] ?? 400;
  return new AwsError(json ? (JSON_NAMES[kind] ?? kind) : kind, `injected ${kind}`, status);
}

/** The error a bare status fault stands for (the kit's `{ status }` faults). */
export function errorForStatus(status: number, json: boolean): AwsError {
  const kind =
    status === 403
      ? 'AccessDenied'
      : status === 429 || status === 400
        ? 'Throttling'
        : status === 503
          ? 'ServiceUnavailable'
          : 'InternalFailure';
  return new AwsError(namedError(kind, json).code, `fault ${status}`, status);
}
