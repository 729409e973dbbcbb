/** Doctor helpers: one check per probe, whatever the probe throws. */
import type { DoctorCheck } from '../index.js';
import { errorMessage, isDenied } from './errors.js';

/** Runs a read-only probe: its answer is the detail; a denial says "not permitted". */
export async function probeCheck(name: string, fn: () => Promise<string>): Promise<DoctorCheck> {
  try {
    return { name, ok: true, detail: await fn() };
  } catch (e) {
    return {
      name,
      ok: false,
      detail: isDenied(e) ? `${e.message} (not permitted)` : errorMessage(e),
    };
  }
}
