/**
 * The fields `--json <fields>` may name, per command, declared here rather than read from the
 * output: a query that returns no rows still validates its fields (an empty `nhi list --json
 * idd` is exit 2, not `[]`). For a list the fields are each item's; for a document, the
 * document's own. test/json-fields.test.ts checks every declaration against the real output.
 * Kept free of heavy imports: it is loaded before the command runs.
 */
import { CREDENTIAL_VIEW_FIELDS, IDENTITY_VIEW_FIELDS } from './credential-view.js';

type Declared = readonly string[] | ((opts: Record<string, unknown>) => readonly string[]);

const REPORT = [
  'schemaVersion',
  'generatedAt',
  'summary',
  'findings',
  'fixes',
  'scores',
  'suppressed',
  'expiredExceptions',
  'gaps',
] as const;

/** `nhi runs --json` fields, in order (runs.ts writes them; CSV dots the nested ones). */
export const RUN_FIELDS = [
  'id',
  'startedAt',
  'finishedAt',
  'status',
  'demo',
  'providers',
  'nhiVersion',
  'scopes',
  'identities',
  'credentials',
  'removed',
  'gaps',
  'findings',
  'notEvaluated',
] as const;

export const JSON_FIELDS: Record<string, Declared> = {
  scan: ['run', 'scopes', 'gaps', 'findings', 'pruned'],
  list: (o) => (o.identities ? IDENTITY_VIEW_FIELDS : CREDENTIAL_VIEW_FIELDS),
  show: ['kind', 'scope', 'identity', 'credentials', 'grants', 'findings', 'history', 'openRuns'],
  report: REPORT,
  check: REPORT,
  posture: ['schemaVersion', 'points', 'ageBuckets', 'ageDistribution'],
  rules: [
    'id',
    'title',
    'severity',
    'owasp',
    'cis',
    'playbook',
    'defaults',
    'providerDefaults',
    'defaultsFrom',
    'signals',
    'description',
    'help',
  ],
  owners: ['owners', 'unowned'],
  runs: RUN_FIELDS,
  diff: [
    'from',
    'to',
    'newCredentials',
    'removedCredentials',
    'newFindings',
    'resolvedFindings',
    'statusChanges',
    'expiryChanges',
    'ownerChanges',
    'privilegeChanges',
  ],
  prune: ['dryRun', 'runs', 'kept', 'rows', 'bytesBefore', 'bytesAfter', 'bytesFreed'],
  doctor: ['provider', 'authenticated', 'identity', 'checks'],
  'playbook list': [
    'id',
    'kind',
    'createdAt',
    'updatedAt',
    'status',
    'provider',
    'credentialId',
    'sink',
    'error',
    'stale',
  ],
};

/** The command's path as JSON_FIELDS keys it: `list`, `playbook list`. */
export function commandPath(names: readonly string[]): string {
  return names.join(' ');
}

/** The declared fields of a command (with its options), or undefined when it declares none. */
export function declaredFields(
  path: string,
  opts: Record<string, unknown>,
): readonly string[] | undefined {
  const d = JSON_FIELDS[path];
  return typeof d === 'function' ? d(opts) : d;
}
