import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/connector/index.js';
import { parseCredentialReport } from './credential-report.js';
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
