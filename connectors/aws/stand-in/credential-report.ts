/**
 * The credential report CSV as AWS writes it (IAM user guide, "Getting credential reports"):
 * the root row first, `N/A` / `not_supported` / `no_information` where AWS writes them, dates
 * as `2026-11-01T12:00:00+00:00`, quoted by a CSV writer where a cell needs it.
 */
import { stringify } from 'csv-stringify/sync';
import type { EstateAccessKey, EstateAccount } from './estate.js';
import { userArn } from './state.js';

const COLUMNS = [
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
];

function reportDate(iso: string | null | undefined): string {
  return iso ? new Date(iso).toISOString().replace(/\.\d{3}Z$/, '+00:00') : 'N/A';
}

function keyCells(k: EstateAccessKey | undefined): string[] {
  if (!k) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  return [
    String(k.status === 'Active'),
    reportDate(k.createdAt),
    reportDate(k.lastUsedAt),
    k.lastUsedAt ? (k.lastUsedRegion ?? 'us-east-1') : 'N/A',
    k.lastUsedAt ? (k.lastUsedService ?? 'sts') : 'N/A',
  ];
}

const NO_CERTS = ['false', 'N/A', 'false', 'N/A'];

export function credentialReportCsv(a: EstateAccount): string {
  const rootKeys = a.root.accessKeys ?? [];
  const rows = [
    COLUMNS,
    [
      '<root_account>',
      `arn:aws:iam::${a.id}:root`,
      reportDate(a.root.createdAt),
      'not_supported',
      a.root.passwordLastUsed ? reportDate(a.root.passwordLastUsed) : 'no_information',
      'not_supported',
      'not_supported',
      String(a.root.mfaActive),
      ...keyCells(rootKeys[0]),
      ...keyCells(rootKeys[1]),
      ...NO_CERTS,
    ],
  ];
  for (const u of a.users) {
    const ks = [...(u.accessKeys ?? [])].sort((x, y) => x.createdAt.localeCompare(y.createdAt));
    rows.push([
      u.name,
      userArn(a, u),
      reportDate(u.createdAt),
      String(!!u.passwordEnabled),
      u.passwordEnabled ? reportDate(u.passwordLastUsed) : 'N/A',
      u.passwordEnabled ? reportDate(u.passwordLastChanged ?? u.createdAt) : 'N/A',
      'N/A',
      String(!!u.mfaActive),
      ...keyCells(ks[0]),
      ...keyCells(ks[1]),
      ...NO_CERTS,
    ]);
  }
  return stringify(rows, { record_delimiter: 'unix' });
}
