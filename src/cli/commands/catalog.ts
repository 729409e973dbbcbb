import type { Command } from 'commander';
import { UserError } from '../../connector/index.js';
import { isPostgresLocation } from '../../catalog/index.js';
import { EXIT } from '../exit-codes.js';
import { globalsOf } from '../globals.js';
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
