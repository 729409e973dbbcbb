/**
 * `nhi playbook audit [--export FILE|-] [--verify [FILE]] [--against FILE]`: the audit log,
 * its keyed chain and its anchors. Verification exits 1 when anything does not hold.
 */
import type { Command } from 'commander';
import { UserError } from '../../connector/index.js';
import {
  exportLog,
  parseExport,
  verifyAgainst,
  verifyCatalogLog,
  verifyExport,
  type AuditReport,
} from '../../playbooks/audit.js';
import { colorEnabled, note, out, table } from '../output.js';
import { readUserFile, writeUserFile } from '../user-files.js';
import type { Session } from './playbook-session.js';

function readExport(file: string) {
  return parseExport(readUserFile(file, 'audit export'), file);
}

function verdictLines(r: AuditReport, keyPath: string): string {
  if (r.ok) {
    const lines = [
      `audit log intact: ${r.entries} entries, hash chain verified (${r.subject})`,
      `  keyed with audit key ${r.keyId ?? '(none yet)'} at ${keyPath}; ${r.anchorsChecked} anchor(s) held`,
    ];
    if (r.legacy > 0)
      lines.push(`  ${r.legacy} entries from before the log was keyed: chained, but not keyed`);
    return lines.join('\n');
  }
  const [first, ...rest] = r.problems;
  const head = /^entry (\d+): /.exec(first ?? '');
  return [
    head
      ? `audit log TAMPERED at entry ${head[1]}: ${first!.slice(head[0].length)}`
      : `audit log TAMPERED: ${first}`,
    ...rest.map((p) => `  also: ${p}`),
  ].join('\n');
}

export async function auditCommand(cmd: Command, s: Session, format: string): Promise<number> {
  const f = cmd.opts() as { export?: string; verify?: boolean | string; against?: string };
  const now = new Date();
  if (f.export !== undefined) {
    const text = await exportLog(s.store, s.keys, now);
    if (f.export === '-') process.stdout.write(text);
    else {
      writeUserFile(f.export, text, 'audit export', { mode: 0o600 });
      // Entries appended meanwhile are not in the file: count what was written (the anchor aside).
      const n = text.split('\n').length - 2;
      note(s.g, `exported ${n} audit entries (anchored) to ${f.export}`);
    }
    if (!f.verify && !f.against) return 0;
  }
  if (f.verify || f.against) {
    let r: AuditReport;
    if (f.against) {
      if (typeof f.verify === 'string')
        throw new UserError('--verify FILE and --against FILE exclude each other');
      r = await verifyAgainst(s.store, s.keys, readExport(f.against), now);
    } else if (typeof f.verify === 'string') {
      r = verifyExport(readExport(f.verify), s.keys.load());
    } else r = await verifyCatalogLog(s.store, s.keys, now);
    if (format === 'json') out(JSON.stringify(r, null, 2));
    else out(verdictLines(r, s.keys.path));
    return r.ok ? 0 : 1;
  }
  const entries = await s.store.audit();
  if (format === 'json') {
    out(JSON.stringify(entries, null, 2));
    return 0;
  }
  out(
    table(
      ['#', 'at', 'actor', 'run', 'step', 'action', 'result'],
      entries.map((e) => [e.seq, e.at, e.actor, e.runId ?? '', e.step ?? '', e.action, e.result]),
      colorEnabled(s.g),
    ),
  );
  return 0;
}
