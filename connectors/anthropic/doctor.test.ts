import { afterEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import { doctor } from './doctor.js';
import {
  buildAnthropicDemoEstate,
  connect,
  startAnthropicStandIn,
  type AnthropicStandIn,
} from './stand-in/index.js';

let s: AnthropicStandIn | undefined;
afterEach(async () => s?.close());

describe('anthropic doctor', () => {
  it('names the organization and says when the usage report (last use) is not readable', async () => {
    s = await startAnthropicStandIn({
      estate: { ...buildAnthropicDemoEstate(new Date()), usageUnavailable: true },
    });
    const r = await doctor(makeTestContext(connect(s)));
    expect(r.identity).toMatch(/^Orbital Freight \(.+\), Admin API key from ANTHROPIC_ADMIN_KEY$/);
    expect(r.checks.find((c) => c.name.includes('usage report'))).toMatchObject({ ok: false });
  });

  it('a rejected key is "not authenticated"', async () => {
    s = await startAnthropicStandIn({ estate: buildAnthropicDemoEstate(new Date()) });
    const r = await doctor(
      makeTestContext({ ...connect(s), env: { ANTHROPIC_ADMIN_KEY: 'nope' } }),
    );
    expect(r).toMatchObject({ authenticated: false, identity: null });
    expect(r.checks[0]?.detail).toMatch(/authentication_error/);
  });
});
