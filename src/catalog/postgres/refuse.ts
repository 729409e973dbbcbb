/** What the PostgreSQL backend does not do yet (playbooks) says so in one line (CatalogError: exit 2). */
import { CatalogError } from '../errors.js';

export function isPostgresLocation(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

export function notYetOnPostgres(what: string): CatalogError {
  return new CatalogError(
    `${what}: not yet supported on a PostgreSQL catalog (scans and every view work there; keep playbooks on an SQLite catalog for now)`,
  );
}
