import type { Statement } from 'better-sqlite3';

/** Rows per page: large enough that per-page overhead vanishes, small enough to stay bounded. */
export const PAGE_ROWS = 512;

/**
 * A statement's rows as pages, read lazily: the statement steps only as far as the consumer
 * reads, and stopping early (break, an error) finalises it.
 */
export async function* pagesOf<R, T>(
  stmt: Statement,
  params: unknown[] | Record<string, unknown>,
  map: (row: R) => T,
  size = PAGE_ROWS,
): AsyncGenerator<T[]> {
  let page: T[] = [];
  const rows = (
    Array.isArray(params) ? stmt.iterate(...params) : stmt.iterate(params)
  ) as IterableIterator<R>;
  for (const row of rows) {
    page.push(map(row));
    if (page.length >= size) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}
