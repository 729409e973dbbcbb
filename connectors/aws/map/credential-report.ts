/**
 * The credential report: one CSV with every user's password, MFA and key last use, parsed with
 * a CSV library and checked cell by cell (a bad cell names its user and column). AWS generates it
 * at most every 4 hours and serves the cached copy in between, so the report is reconciled with
 * GetAccountAuthorizationDetails before it decides whose keys are listed.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { ApiError, isoOrNull } from '../../../src/connector/index.js';
import type { RawUser } from '../schema.js';
import { CREDENTIAL_REPORT, invalidPayload } from './shared.js';

/** Columns in the order AWS documents them (IAM user guide, "Getting credential reports"). */
export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

type Column = (typeof CREDENTIAL_REPORT_COLUMNS)[number];

const boolCell = z.enum(['true', 'false', 'TRUE', 'FALSE', 'not_supported', 'N/A']);
const NO_VALUE = new Set(['N/A', 'no_information', 'not_supported', '']);

/** 'N/A', 'no_information', 'not_supported' and empty cells all mean "no value". */
function reportDate(cell: string, column: string, user: string): string | null {
  if (NO_VALUE.has(cell)) return null;
  const iso = isoOrNull(cell);
  if (!iso)
    throw invalidPayload(
      CREDENTIAL_REPORT,
      `credential report: user '${user}' has an unreadable date in ${column}: '${cell}'`,
    );
  return iso;
}

function reportText(cell: string): string | null {
  return NO_VALUE.has(cell) ? null : cell;
}

function reportBool(cell: string, column: string, user: string): boolean | null {
  const parsed = boolCell.safeParse(cell);
  if (!parsed.success)
    throw invalidPayload(
      CREDENTIAL_REPORT,
      `credential report: user '${user}' has '${cell}' in ${column}`,
    );
  if (parsed.data === 'not_supported' || parsed.data === 'N/A') return null;
  return parsed.data.toLowerCase() === 'true';
}

export interface ReportKeySlot {
  slot: 1 | 2;
  active: boolean;
  lastRotated: string | null;
  lastUsedAt: string | null;
  lastUsedRegion: string | null;
  lastUsedService: string | null;
}

export interface ReportRow {
  user: string;
  arn: string;
  isRoot: boolean;
  createdAt: string | null;
  /** null for the root row, where AWS writes not_supported. */
  passwordEnabled: boolean | null;
  passwordLastUsed: string | null;
  passwordLastChanged: string | null;
  passwordNextRotation: string | null;
  mfaActive: boolean;
  /** Only the slots that hold a key (last_rotated present). */
  keys: ReportKeySlot[];
}

export const ROOT_ROW_USER = '<root_account>';

/**
 * Parses the credential report CSV (as GetCredentialReport returns it, decoded). Each record is
 * turned into its row as the parser reads it, so a 10,000-user report never exists twice.
 */
export function parseCredentialReport(csv: string): ReportRow[] {
  const fail = (detail: string) =>
    invalidPayload(CREDENTIAL_REPORT, `credential report: ${detail}`);
  try {
    return parseCsv(csv, {
      columns: (header: string[]) => {
        const missing = CREDENTIAL_REPORT_COLUMNS.filter((c) => !header.includes(c));
        if (missing.length) throw fail(`lacks documented column(s): ${missing.join(', ')}`);
        return header;
      },
      skip_empty_lines: true,
      trim: true,
      on_record: (record: Record<string, string>, { lines }) =>
        toRow((c) => {
          const v = record[c];
          if (v === undefined) throw fail(`row ${lines} lacks documented column(s): ${c}`);
          return v;
        }),
    });
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw fail(`not valid CSV (${(e as Error).message})`);
  }
}

function toRow(cell: (c: Column) => string): ReportRow {
  const user = cell('user');
  const keys: ReportKeySlot[] = [];
  for (const slot of [1, 2] as const) {
    const p = `access_key_${slot}_` as const;
    const lastRotated = reportDate(cell(`${p}last_rotated`), `${p}last_rotated`, user);
    const active = reportBool(cell(`${p}active`), `${p}active`, user) ?? false;
    if (!lastRotated && !active) continue;
    keys.push({
      slot,
      active,
      lastRotated,
      lastUsedAt: reportDate(cell(`${p}last_used_date`), `${p}last_used_date`, user),
      lastUsedRegion: reportText(cell(`${p}last_used_region`)),
      lastUsedService: reportText(cell(`${p}last_used_service`)),
    });
  }
  return {
    user,
    arn: cell('arn'),
    isRoot: user === ROOT_ROW_USER,
    createdAt: reportDate(cell('user_creation_time'), 'user_creation_time', user),
    passwordEnabled: reportBool(cell('password_enabled'), 'password_enabled', user),
    passwordLastUsed: reportDate(cell('password_last_used'), 'password_last_used', user),
    passwordLastChanged: reportDate(cell('password_last_changed'), 'password_last_changed', user),
    passwordNextRotation: reportDate(
      cell('password_next_rotation'),
      'password_next_rotation',
      user,
    ),
    mfaActive: reportBool(cell('mfa_active'), 'mfa_active', user) ?? false,
    keys,
  };
}

/** True when the report shows at least one access key for the user (so ListAccessKeys is worth a call). */
export function reportShowsKeys(row: ReportRow | undefined): boolean {
  return !!row && row.keys.length > 0;
}

/** The report as this scan got it. */
export interface ReportSnapshot {
  rows: ReportRow[];
  /** GeneratedTime: nothing that happened after it is in the report. */
  generatedAt: string;
  /**
   * True when the report was generated for this scan or after it began; false for the copy
   * AWS keeps for up to 4 hours, which misses keys created since.
   */
  fresh: boolean;
}

export type KeyListingReason = 'no-report' | 'stale-report' | 'keys' | 'unreported' | 'newer';

/**
 * The users whose access keys must be listed. A fresh report saves a call for every user it
 * shows without keys; users it cannot know about (absent from it, or created after it was
 * generated) are always listed, and a stale report is not trusted to say "no keys" at all —
 * a key the report cannot show must never be taken for a key that is gone.
 */
export function usersToListKeys(
  users: readonly RawUser[],
  report: ReportSnapshot | null,
): { user: RawUser; reason: KeyListingReason }[] {
  const reasonFor = keyListing(report);
  return users.flatMap((user) => {
    const reason = reasonFor(user);
    return reason ? [{ user, reason }] : [];
  });
}

/** usersToListKeys for one user at a time (users arrive a page at a time): null = not listed. */
export function keyListing(
  report: ReportSnapshot | null,
): (user: RawUser) => KeyListingReason | null {
  if (!report) return () => 'no-report';
  if (!report.fresh) return () => 'stale-report';
  const rows = new Map(report.rows.filter((r) => !r.isRoot).map((r) => [r.user, r]));
  const generated = Date.parse(report.generatedAt);
  return (user) => {
    const row = rows.get(user.UserName ?? '');
    if (!row) return 'unreported';
    if ((user.CreateDate?.getTime() ?? Infinity) >= generated) return 'newer';
    return reportShowsKeys(row) ? 'keys' : null;
  };
}
