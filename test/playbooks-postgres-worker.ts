/**
 * One process of the PostgreSQL race tests (bundled by the test, run with node):
 *   claim LOCATION RUN HOLDER   prints {"won":…,"holder":…} once it tried; a winner keeps the
 *                               run until its stdin ends (or it is killed), then releases it
 *   append LOCATION N TAG       appends N audit entries, prints {"appended":N}
 * The audit key comes from NHI_AUDIT_KEY_FILE, as the CLI's does.
 */
import { openStore } from '../src/catalog/index.js';
import { AuditKeyFile } from '../src/playbooks/audit-key.js';

const [mode, location, arg, tag] = process.argv.slice(2) as [string, string, string, string];
const catalog = await openStore(location);
const store = catalog.playbooks(new AuditKeyFile(process.env.NHI_AUDIT_KEY_FILE!, location));
if (mode === 'claim') {
  const runId = Number(arg);
  const other = await store.claim(runId, tag, () => true);
  process.stdout.write(`${JSON.stringify({ won: other === null, holder: other })}\n`);
  if (other === null) {
    await new Promise((done) => process.stdin.on('end', done).resume());
    await store.release(runId, tag);
  }
} else {
  for (let i = 0; i < Number(arg); i++)
    await store.appendAudit({
      at: new Date().toISOString(),
      actor: `worker ${tag}`,
      runId: null,
      step: null,
      action: `append ${tag}-${i}`,
      result: 'ok',
    });
  process.stdout.write(`${JSON.stringify({ appended: Number(arg) })}\n`);
}
await catalog.close();
