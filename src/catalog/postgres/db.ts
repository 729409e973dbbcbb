/**
 * The PostgreSQL connections of one store: the main client (writes, short reads) and, for each
 * large result being read, a second connection with a server-side cursor. A cursor lives in a
 * transaction, and the main client's own transactions (an evaluation writing a batch while the
 * scope's next batch is being read) must not end it: so a stream reads on a connection of its
 * own, `FETCH`ing a page at a time, and gives it back when the consumer stops.
 */
import type pg from 'pg';
import { connect } from './connect.js';

type Row = Record<string, unknown>;

/** Rows per FETCH (and per page a caller gets): the same as SQLite's pages. */
export const PAGE_ROWS = 512;

/** Positional parameters built alongside the SQL: `p.add(v)` is the `$n` to write. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

export class PgDb {
  private readonly idle: pg.Client[] = [];
  private readonly all = new Set<pg.Client>();
  private cursors = 0;

  constructor(
    readonly client: pg.Client,
    private readonly location: string,
  ) {}

  async rows<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.client.query(sql, params as unknown[])).rows as T[];
  }

  async one<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.rows<T>(sql, params))[0];
  }

  /** Runs `fn` in one transaction of the main client. */
  async tx<T>(fn: () => Promise<T>): Promise<T> {
    await this.client.query('BEGIN');
    try {
      const out = await fn();
      await this.client.query('COMMIT');
      return out;
    } catch (err) {
      await this.client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  private async lease(): Promise<pg.Client> {
    const c = this.idle.pop();
    if (c) return c;
    const fresh = await connect(this.location);
    this.all.add(fresh);
    return fresh;
  }

  /**
   * Reads a query a page at a time through a cursor on a connection of its own (one REPEATABLE
   * READ snapshot). `withClient` may run more queries in that snapshot per page (scope batches).
   */
  async *cursor<R = Row, T = R>(
    sql: string,
    params: readonly unknown[],
    map: (rows: R[], c: pg.Client) => Promise<T[]> | T[],
    size = PAGE_ROWS,
  ): AsyncGenerator<T[]> {
    const c = await this.lease();
    const name = `nhi_c${++this.cursors}`;
    let open = false;
    try {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      open = true;
      await c.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, params as unknown[]);
      for (;;) {
        const { rows } = await c.query(`FETCH ${size} FROM ${name}`);
        if (rows.length === 0) break;
        const page = await map(rows as R[], c);
        if (page.length) yield page;
        if (rows.length < size) break;
      }
      await c.query('COMMIT');
      open = false;
    } finally {
      if (open) await c.query('ROLLBACK').catch(() => {});
      this.idle.push(c);
    }
  }

  /** A cursor whose rows map one to one. */
  pages<R = Row, T = R>(sql: string, params: readonly unknown[], map: (r: R) => T) {
    return this.cursor<R, T>(sql, params, (rows) => rows.map(map));
  }

  async close(): Promise<void> {
    const all = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all([this.client.end(), ...all.map((c) => c.end().catch(() => {}))]);
  }
}
