import { afterEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import { doctor } from './doctor.js';
import {
  buildOpenaiDemoEstate,
  connect,
  startOpenaiStandIn,
  type OpenaiStandIn,
} from './stand-in/index.js';

let s: OpenaiStandIn | undefined;
afterEach(async () => s?.close());

describe('openai doctor', () => {
  it('names the organization and the admin key it scans with, and what it may not read', async () => {
    s = await startOpenaiStandIn({
      estate: { ...buildOpenaiDemoEstate(new Date()), usersDenied: true },
    });
    const r = await doctor(makeTestContext(connect(s)));
    expect(r).toMatchObject({
      authenticated: true,
      identity: 'org-orbitalfreightml (admin key from OPENAI_ADMIN_KEY)',
    });
    expect(r.checks.find((c) => c.name.endsWith('members'))).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/not permitted/),
    });
    expect(r.checks.find((c) => c.name.endsWith('admin keys'))?.detail).toContain(
      "scanning with 'nhi-audit (read-only)'",
    );
  });

  it('a rejected admin key is "not authenticated", with one line saying why', async () => {
    s = await startOpenaiStandIn({ estate: buildOpenaiDemoEstate(new Date()) });
    const c = connect(s);
    const r = await doctor(makeTestContext({ ...c, env: { OPENAI_ADMIN_KEY: 'sk-admin-wrong' } }));
    expect(r).toMatchObject({ authenticated: false, identity: null });
    expect(r.checks[0]?.detail).toMatch(/invalid_api_key Incorrect API key provided/);
  });
});
