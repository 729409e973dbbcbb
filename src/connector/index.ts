/**
 * The connector contract: the only core module a connector may import (besides src/model).
 * A connector returns data; it never sees the catalog, the terminal or process.env directly.
 */
import type { ProviderId, Scope, ScopeResult } from '../model/index.js';
import type { OptionsDecl } from './kit/options.js';
import type { SignalDecl } from './kit/coverage.js';
import type { FaultSet } from './stand-in.js';

export type * from '../model/index.js';

/* ----- the connector kit: shared plumbing every connector uses ----- */
export {
  UserError,
  ApiError,
  isApiError,
  isDenied,
  kindOfStatus,
  errorMessage,
  type ApiErrorKind,
  type ApiErrorInit,
} from './kit/errors.js';
export { parsePayload, parseJsonBody, type PayloadSource } from './kit/payload.js';
export {
  GapCollector,
  defineSignals,
  type SignalDecl,
  type SignalId,
  type GapInput,
  type RecordKind,
} from './kit/coverage.js';
export {
  OriginPin,
  pinnedFetch,
  transportError,
  endpointOf,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  type PinnedFetchInit,
} from './kit/http.js';
export { withRetry, retryAfterMs, isRetryable, type RetryPolicy } from './kit/retry.js';
export {
  defineOptions,
  parseOptions,
  commonOptionsShape,
  type OptionsDecl,
  type FlagDecl,
} from './kit/options.js';
export { isoOrNull, addDays, daysBetween } from './kit/dates.js';
export {
  rememberingFetch,
  httpApiError,
  fromSdkError,
  pageThrough,
  type SdkErrorInit,
  type SdkPage,
  type PageThroughInit,
} from './kit/sdk.js';
export { probeCheck } from './kit/doctor.js';
export type * from './trim.js';

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
}

export interface ProgressUpdate {
  scope?: string;
  phase: string;
  done?: number;
  total?: number;
}

export interface ConnectorContext<O = Record<string, unknown>> {
  /** The scan's clock; tests and the demo pin it. */
  now(): Date;
  log: Logger;
  /** Reports progress; the CLI decides whether anything is shown. */
  progress(update: ProgressUpdate): void;
  signal: AbortSignal;
  /** The environment the connector may read (credentials chain, endpoint overrides). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * The provider's section of the config file plus matching CLI flags, parsed with the
   * connector's declared options schema (defaults applied) before the connector sees it.
   */
  options: O;
  /**
   * Whether this run scans a scope (`--shard i/n`): a connector that plans its scopes up
   * front (accounts, subscriptions) skips the others instead of scanning them for nothing.
   * Absent: every scope. The pipeline drops other shards' scopes either way.
   */
  wants?: (scopeId: string) => boolean;
}

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DoctorReport {
  provider: ProviderId;
  authenticated: boolean;
  identity: string | null;
  checks: DoctorCheck[];
}

/** A running local stand-in loaded with the demo estate. */
export interface DemoHandle {
  /** Options to pass as ConnectorContext.options so the connector talks to the stand-in. */
  options: Record<string, unknown>;
  /** Extra environment for the connector (fake credentials, endpoint variables). */
  env: Record<string, string>;
  /** The stand-in's faults (tests inject 5xx, hangs, wrong documents… into the demo estate). */
  faults?: FaultSet;
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Connector<O = any> {
  id: ProviderId;
  title: string;
  /** Its options schema and flags (also exported alone by options.ts, for the CLI and config). */
  options: OptionsDecl;
  /** Every coverage signal its scans can report a gap in. */
  signals: readonly SignalDecl[];
  /** Read-only permissions the scan needs, shown by `nhi doctor` and the README. */
  scanPermissions: string[];
  /** Scans every scope the options select; one result per scope, streamed as each finishes. */
  discover(ctx: ConnectorContext<O>): AsyncIterable<ScopeResult>;
  /** Cheap authentication and permission probe for `nhi doctor`. */
  doctor(ctx: ConnectorContext<O>): Promise<DoctorReport>;
  /** Starts the provider's stand-in with the demo estate (`nhi scan --demo`). */
  startDemo(clock: Date): Promise<DemoHandle>;
}

export type { Scope };

/* ----- write operations used by playbooks (connectors/<id>/actions.ts) ----- */

import type { Credential, CredentialRef, CredentialType, ReplacementSpec } from '../model/index.js';
import type { TrimActions } from './trim.js';

/** A new secret as a provider returned it. Lives in memory only, until a sink holds it. */
export interface SecretMaterial {
  /** Named values to deliver, e.g. { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY }. */
  values: Record<string, string>;
}

export interface ActionResult {
  /** The provider's request id, journaled for audit. */
  requestId: string | null;
}

export interface ActionCapabilities {
  /** Can be switched off reversibly (AWS key Inactive, GCP key disable). */
  deactivate: boolean;
  reactivate: boolean;
  delete: boolean;
  /** A replacement can be created (rotation). */
  create: boolean;
  /** A provider limit on live credentials per identity (AWS: 2 access keys). */
  maxPerIdentity: number | null;
}

/** A credential type the provider cannot act on; spread it to declare the few things it can. */
export const NO_CAPABILITIES: Readonly<ActionCapabilities> = Object.freeze({
  deactivate: false,
  reactivate: false,
  delete: false,
  create: false,
  maxPerIdentity: null,
});

/** What `prove` established: who the new credential authenticated as. */
export interface Proof {
  /** The principal the provider answered with (ARN, app id, service account email). */
  principal: string;
}

export interface ConnectorActions {
  capabilities(type: CredentialType): ActionCapabilities;
  /** Current state straight from the provider: drift check before apply, verification after. null = gone. */
  describe(ctx: ConnectorContext, ref: CredentialRef): Promise<Credential | null>;
  /** Other credentials of the same identity (rotation checks the per-identity limit). */
  listSiblings(ctx: ConnectorContext, ref: CredentialRef): Promise<Credential[]>;
  deactivate(ctx: ConnectorContext, ref: CredentialRef): Promise<ActionResult>;
  reactivate(ctx: ConnectorContext, ref: CredentialRef): Promise<ActionResult>;
  delete(ctx: ConnectorContext, ref: CredentialRef): Promise<ActionResult>;
  /**
   * Creates the replacement of `ref` (same access, unless `want` narrows it: a read-only
   * deploy key in place of a write one). Its id is returned at once; its secret stays in memory.
   */
  create(
    ctx: ConnectorContext,
    ref: CredentialRef,
    want?: ReplacementSpec,
  ): Promise<{ result: ActionResult; credential: Credential; secret: SecretMaterial }>;
  /**
   * Proves that a credential this run created authenticates, using its secret, against the
   * configured endpoint (AWS sts:GetCallerIdentity, an Entra client-credentials token, a GCP
   * JWT-bearer token), and that it authenticates as `ref`'s identity. Throws when it does not.
   * A provider with no sign-in to try (a GitHub deploy key) proves what it can: the key the
   * provider lists is the delivered key's public half, with the access `want` asked for.
   * Optional: a provider without a way to try a credential leaves it out.
   */
  prove?(
    ctx: ConnectorContext,
    ref: CredentialRef,
    secret: SecretMaterial,
    want?: ReplacementSpec,
  ): Promise<Proof>;
  /** Who the connector acts as, for the audit log ('aws profile audit'); never a secret. */
  actor?(ctx: ConnectorContext): string;
  /** Sinks this provider offers, by scheme (e.g. 'aws-secrets-manager', 'github-actions'). */
  sinks: Record<string, SinkFactory>;
  /** Least privilege (`nhi trim`): optional, a provider without it is not trimmed. */
  trim?: TrimActions;
}

/** One delivery of a new secret: what the engine journaled before `put` was called. */
export interface SinkDelivery {
  /**
   * Unique per delivery attempt and journaled before the write: a sink that can name the
   * version it writes uses it (Secrets Manager ClientRequestToken, a Key Vault tag), so a
   * retried write is idempotent and verification can tell this run's version from any other.
   */
  token: string;
  /** The id of the credential being delivered (the new key id). */
  credentialId: string;
  /** Keyed fingerprint of the values (HMAC with a key nhi keeps outside the catalog). */
  fingerprint: string;
  /** The same keyed fingerprint, for values a sink reads back. */
  fingerprintOf(values: Record<string, string>): string;
  /** Fingerprints of earlier deliveries of the same run: a sink may replace those. */
  earlier: readonly string[];
}

/** What a sink reports after `put`; journaled, so another process can verify it later. */
export interface SinkReceipt {
  /** The version the sink holds now (a version id, an updated_at, a file identity). */
  version: string | null;
  requestId: string | null;
  /** Metadata `verify` needs in a later process (secret names, timestamps). Never a secret. */
  detail?: Record<string, string | number | boolean | null | string[]>;
}

export type SinkCheck = { ok: true } | { ok: false; reason: string };

/** A place a new secret is delivered to before the old one is retired. */
export interface Sink {
  /** e.g. 'aws-secrets-manager:prod/ci-bot' — never contains a secret. */
  describe(): string;
  put(secret: SecretMaterial, delivery: SinkDelivery): Promise<SinkReceipt>;
  /**
   * Proves the sink still holds exactly this delivery — by the version it created, its token
   * or the keyed fingerprint — not merely "some value". Reads metadata where the sink allows.
   */
  verify(receipt: SinkReceipt, delivery: SinkDelivery): Promise<SinkCheck>;
}

export type SinkFactory = (ctx: ConnectorContext, target: string) => Sink;
export { codeownersCandidates, CODEOWNERS_PATHS } from '../owners/codeowners.js';
export {
  fromTags as ownerCandidatesFromTags,
  fromConvention as ownerCandidatesFromText,
} from '../owners/signals.js';
