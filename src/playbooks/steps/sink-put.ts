/**
 * `sink-put`: delivers the new secret. A fresh token and the keyed fingerprint of the values
 * are journaled before the write, so a later process can tell this run's delivery from any
 * other value at the sink (and the file sink may replace a file an earlier attempt wrote).
 */
import { randomUUID } from 'node:crypto';
import { deliveryOf, effect, ensureSink, journalOf, newCredentialId } from '../live.js';
import type { StepModule } from './types.js';

export const sinkPut: StepModule = {
  intent(live) {
    const id = newCredentialId(live);
    if (!id || !live.secret) {
      throw new Error('no new secret in memory to deliver (resume creates a fresh one)');
    }
    const before = journalOf(live, 'sink-put')?.intent ?? {};
    const earlier = new Set(
      [...(Array.isArray(before.earlier) ? before.earlier : []), before.fingerprint].filter(
        (x): x is string => typeof x === 'string' && x !== '',
      ),
    );
    return {
      credential: id,
      token: randomUUID(),
      fingerprint: live.deps.fingerprintOf(live.secret.values),
      earlier: [...earlier],
    };
  },

  async run(live) {
    const sink = await ensureSink(live);
    const { delivery } = deliveryOf(live);
    const secret = live.secret!;
    const receipt = await effect(live, 'sink-put', () => sink.put(secret, delivery));
    return {
      result: {
        credential: delivery.credentialId,
        sink: sink.describe(),
        version: receipt.version,
        requestId: receipt.requestId,
        detail: receipt.detail ?? null,
        fingerprint: delivery.fingerprint,
      },
      requestId: receipt.requestId,
    };
  },

  async undo(live, _step, j, rb) {
    if (rb.oldGone) return null; // the sink holds the credential that is kept
    if (j.status !== 'done' && j.status !== 'running') return null;
    rb.notes.push(
      `${live.plan.sink?.raw}: still holds the new value, which no longer works; restore your previous value there`,
    );
    return { result: {}, requestId: null, audited: false };
  },
};
