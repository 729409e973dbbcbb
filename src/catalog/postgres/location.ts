/** Which backend a catalog location names: a postgres:// (postgresql://) URL, else an SQLite file. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}
