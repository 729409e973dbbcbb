/**
 * What every part of the GCP stand-in shares: the live estate with its lookups, Google's
 * error document (google.rpc `{error:{code,message,status}}`) and page-token paging.
 */
import {
  offsetPage,
  type StandInRequest,
  type StandInResponse,
} from '../../../src/connector/stand-in.js';
import {
  serviceAccountEmail,
  type GcpEstate,
  type StandInApi,
  type StandInProject,
  type StandInServiceAccount,
} from './estate.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

const FAULT_MESSAGE: Record<number, string> = {
  429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute'.",
  403: 'Permission denied on resource (or it may not exist).',
};

/** A google.rpc error thrown by a route; the server renders it. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

export function rpcError(code: number, message?: string, status?: string): StandInResponse {
  return {
    status: code,
    body: {
      error: {
        code,
        message: message ?? FAULT_MESSAGE[code] ?? 'The service is currently unavailable.',
        status: status ?? STATUS_TEXT[code] ?? 'UNKNOWN',
      },
    },
  };
}

export interface StandInState {
  estate: GcpEstate;
  now: () => Date;
  /** Largest page the server returns whatever pageSize asks (Google caps too). */
  pageSizeCap: number;
  project(idOrNumber: string, api: StandInApi): StandInProject;
  serviceAccount(
    projectId: string,
    idOrEmail: string,
  ): { project: StandInProject; sa: StandInServiceAccount };
  /** One page of `items` as `{[field]: items, nextPageToken?}`. */
  page<T>(
    req: StandInRequest,
    items: T[],
    field: string,
    sizes: { default: number; max: number },
  ): StandInResponse;
}

export function createState(init: {
  estate: GcpEstate;
  now: () => Date;
  pageSizeCap: number;
}): StandInState {
  const { estate } = init;
  // Benchmarks serve hundreds of projects: look them up by id and number, not by scanning.
  const byId = new Map<string, StandInProject>();
  for (const p of estate.projects) byId.set(p.projectId, p).set(p.projectNumber, p);
  const find = (idOrNumber: string) =>
    byId.get(idOrNumber) ??
    estate.projects.find((p) => p.projectId === idOrNumber || p.projectNumber === idOrNumber);

  const project = (idOrNumber: string, api: StandInApi): StandInProject => {
    const p = find(idOrNumber);
    // Google answers 403 for projects that do not exist as well as for ones the caller cannot read.
    if (!p || p.denied?.includes(api) || (p.state ?? 'ACTIVE') !== 'ACTIVE')
      throw new RpcError(
        403,
        'PERMISSION_DENIED',
        `Permission denied on resource project ${idOrNumber} (or it may not exist).`,
      );
    return p;
  };

  return {
    estate,
    now: init.now,
    pageSizeCap: init.pageSizeCap,
    project,
    serviceAccount(projectId, idOrEmail) {
      const candidates = projectId === '-' ? estate.projects : [project(projectId, 'iam')];
      for (const p of candidates) {
        if (p.denied?.includes('iam')) continue;
        const sa = p.serviceAccounts.find(
          (s) => s.uniqueId === idOrEmail || serviceAccountEmail(p, s) === idOrEmail,
        );
        if (sa) return { project: p, sa };
      }
      throw new RpcError(
        404,
        'NOT_FOUND',
        `Service account projects/${projectId}/serviceAccounts/${idOrEmail} does not exist.`,
      );
    },
    page(req, items, field, sizes) {
      const asked = Number(req.query.get('pageSize') || sizes.default);
      const size = Math.max(1, Math.min(asked, sizes.max, init.pageSizeCap));
      let p: { items: unknown[]; next: string | null };
      try {
        p = offsetPage(items, req.query.get('pageToken'), size);
      } catch {
        throw new RpcError(400, 'INVALID_ARGUMENT', 'Invalid page token.');
      }
      return { body: { [field]: p.items, ...(p.next ? { nextPageToken: p.next } : {}) } };
    },
  };
}

export function requireParent(q: URLSearchParams): string {
  const parent = q.get('parent');
  if (!parent)
    throw new RpcError(
      400,
      'INVALID_ARGUMENT',
      'Request contains an invalid argument: parent is required.',
    );
  return parent;
}

/** GCP timestamps carry seconds, not milliseconds. */
export const seconds = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');

/** Policy Analyzer reports at daily granularity: the latest 07:00:00Z not after `iso`. */
export function dailyObservation(iso: string): string {
  const t = new Date(iso);
  const day = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), 7));
  if (day.getTime() > t.getTime()) day.setUTCDate(day.getUTCDate() - 1);
  return seconds(day.toISOString());
}
