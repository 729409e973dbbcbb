import type { Command } from 'commander';
import { UserError } from '../../connector/index.js';
import { isPostgresLocation } from '../../catalog/index.js';
import { EXIT } from '../exit-codes.js';
import { formatOf, globalsOf } from '../globals.js';
import { catalogPath } from '../catalog-path.js';
import { jsonText } from '../../report/json.js';
import { line, note, out } from '../output.js';

interface CopyFlags {
  from?: string;
  to?: string;
}

/** `nhi catalog copy|migrate --from sqlite:FILE --to postgres://…`: the catalog with its history. */
export async function copy(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as CopyFlags;
  if (!f.from || !f.to)
    throw new UserError('nhi catalog copy needs --from sqlite:FILE and --to postgres://…');
  if (isPostgresLocation(f.from) || !isPostgresLocation(f.to)) {
    throw new UserError(
      'nhi catalog copy moves an SQLite catalog into PostgreSQL: --from sqlite:FILE --to postgres://… (other directions are not supported yet)',
    );
  }
  const { copySqliteToPostgres } = await import('../../catalog/postgres/copy.js');
  const copied = await copySqliteToPostgres(f.from, f.to, (table, rows) =>
    note(g, line`${table}: ${rows}`),
  );
  const total = Object.values(copied).reduce((a, b) => a + b, 0);
  if (!g.quiet)
    out(`Copied ${total} rows (${Object.keys(copied).length} tables) in one transaction.`);
  return EXIT.ok;
}

/**
 * `nhi catalog check`: the catalog's integrity (schema version, references, the latest scan's
 * evaluation, the audit chain) on either backend. Exit 0 when every check holds, 1 when one
 * does not (each says what it found), 2 when the catalog cannot be opened.
 */
export async function check(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const format = formatOf(g, ['table', 'json']);
  const location = catalogPath(g);
  const { openCheckAccess } = await import('../../catalog/index.js');
  const { checkIntegrity } = await import('../../catalog/check.js');
  const { AuditKeyFile, auditKeyPath } = await import('../../playbooks/audit-key.js');
  const access = await openCheckAccess(location);
  try {
    // PostgreSQL keeps no file next to the catalog: its key comes from NHI_AUDIT_KEY_FILE.
    const keyPath = auditKeyPath(location, process.env);
    const key = keyPath ? new AuditKeyFile(keyPath, location).load() : null;
    const report = await checkIntegrity(access, key);
    if (format === 'json') out(jsonText(report));
    else
      for (const c of report.checks)
        out(line`${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(10)} ${c.detail}`);
    return report.ok ? EXIT.ok : EXIT.violations;
  } finally {
    await access.store.close();
  }
}
