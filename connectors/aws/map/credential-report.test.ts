import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/connector/index.js';
import { parseCredentialReport, usersToListKeys } from './credential-report.js';
import { alice, ciBot, header, root } from './report-rows.fixture.js';

describe('parseCredentialReport', () => {
  const rows = parseCredentialReport([header, root, ciBot, alice].join('\n'));

  it('recognises the root row and its access key', () => {
    const r = rows[0]!;
    expect(r.isRoot).toBe(true);
    expect(r.passwordEnabled).toBeNull(); // not_supported
    expect(r.keys).toEqual([
      {
        slot: 1,
        active: true,
        lastRotated: '2020-05-01T00:00:00.000Z',
        lastUsedAt: '2026-10-30T10:00:00.000Z',
        lastUsedRegion: 'us-east-1',
        lastUsedService: 's3',
      },
    ]);
  });

  it('reads N/A as "no value": a never-used key has lastUsedAt null, an inactive key is kept', () => {
    const r = rows[1]!;
    expect(r.keys.map((k) => [k.slot, k.active, k.lastUsedAt])).toEqual([
      [1, true, null],
      [2, false, '2024-07-01T00:00:00.000Z'],
    ]);
    expect(r.keys[0]!.lastUsedService).toBeNull();
  });

  it('reads human traits', () => {
    const r = rows[2]!;
    expect(r).toMatchObject({
      passwordEnabled: true,
      mfaActive: true,
      passwordLastUsed: '2026-10-31T09:00:00.000Z',
      keys: [],
    });
  });

  it('names the row and column of a bad cell', () => {
    const bad = alice.replace('2026-10-31T09:00:00+00:00', 'yesterday');
    expect(() => parseCredentialReport([header, bad].join('\n'))).toThrow(
      /alice.*password_last_used.*yesterday/,
    );
  });

  it('rejects a report without the documented columns', () => {
    expect(() => parseCredentialReport('user,arn\nx,y')).toThrow(ApiError);
  });
});

describe('usersToListKeys: whose keys a scan lists', () => {
  const rows = parseCredentialReport([header, root, ciBot, alice].join('\n'));
  const generatedAt = '2026-11-01T08:00:00.000Z';
  const user = (UserName: string, created: string) => ({ UserName, CreateDate: new Date(created) });
  const users = [
    user('ci-bot', '2024-01-01T00:00:00Z'), // in the report, with keys
    user('alice', '2023-01-01T00:00:00Z'), // in the report, no keys
    user('backdoor', '2026-11-01T09:00:00Z'), // created after the report
    user('ghost', '2025-01-01T00:00:00Z'), // absent from the report (deleted and made again…)
  ];
  const names = (r: ReturnType<typeof usersToListKeys>) =>
    r.map((x) => `${x.user.UserName}:${x.reason}`);

  it('a fresh report saves the calls for users it shows without keys, and only those', () => {
    expect(names(usersToListKeys(users, { rows, generatedAt, fresh: true }))).toEqual([
      'ci-bot:keys',
      'backdoor:unreported',
      'ghost:unreported',
    ]);
  });

  it('a user deleted and made again (same name) since the report is listed', () => {
    const again = [user('alice', generatedAt)];
    expect(names(usersToListKeys(again, { rows, generatedAt, fresh: true }))).toEqual([
      'alice:newer',
    ]);
  });

  it('a stale report or none says nothing about keys: every user is listed', () => {
    expect(names(usersToListKeys(users, { rows, generatedAt, fresh: false }))).toEqual([
      'ci-bot:stale-report',
      'alice:stale-report',
      'backdoor:stale-report',
      'ghost:stale-report',
    ]);
    expect(usersToListKeys(users, null).every((x) => x.reason === 'no-report')).toBe(true);
  });
});
