/** scan_runs rows of the PostgreSQL backend: the same mapping and run-group SQL as SQLite's. */
export { READABLE, RUN_HEAD } from '../run-groups.js';
export { toRun } from '../rows.js';
