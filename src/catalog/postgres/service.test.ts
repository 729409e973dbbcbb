import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../fixtures/cli.js';
import { postgresUnavailable, startPostgres, type PgServer } from '../../../fixtures/postgres.js';
import { parseServiceFile, serviceConfig } from './connect.js';
import { openStore } from '../index.js';

const skip = postgresUnavailable();

describe('PostgreSQL connection services (pg_service.conf)', () => {
  it('reads a section as libpq does, and lets the URL win over it', () => {
    const text =
      '# team\n[other]\nhost=x\n\n[nhi]\nhost = db.internal\nport=6432\ndbname=nhi\nuser=scanner\nsslmode=verify-full\nbogus=1\n';
    expect(parseServiceFile(text, 'nhi')).toEqual({
      host: 'db.internal',
      port: '6432',
      dbname: 'nhi',
      user: 'scanner',
      sslmode: 'verify-full',
      bogus: '1',
    });
    expect(parseServiceFile(text, 'none')).toBeNull();
    const dir = tempDir();
    const file = join(dir, 'services.conf');
    writeFileSync(file, text);
    expect(serviceConfig('postgres://', { PGSERVICE: 'nhi', PGSERVICEFILE: file })).toEqual({
      host: 'db.internal',
      port: 6432,
      database: 'nhi',
      user: 'scanner',
      ssl: true,
    });
    expect(serviceConfig('postgres:///?service=other', { PGSERVICEFILE: file })).toEqual({
      host: 'x',
    });
    expect(serviceConfig('postgres://h/db', {})).toBeNull();
    expect(() => serviceConfig('postgres://', { PGSERVICE: 'gone', PGSERVICEFILE: file })).toThrow(
      /service 'gone' is not defined/,
    );
  });

  describe.skipIf(skip)('against a server', () => {
    let server: PgServer;
    beforeAll(async () => {
      server = await startPostgres();
    });
    afterAll(() => server?.stop());

    it('connects with PGSERVICE naming host, port, database and user', async () => {
      const url = new URL(await server.database());
      const file = join(tempDir(), 'pg_service.conf');
      writeFileSync(
        file,
        `[team]\nhost=${url.hostname}\nport=${url.port}\ndbname=${url.pathname.slice(1)}\nuser=postgres\nsslmode=disable\n`,
      );
      const saved = { ...process.env };
      process.env.PGSERVICE = 'team';
      process.env.PGSERVICEFILE = file;
      try {
        const store = await openStore('postgres://');
        expect(await store.latestRun()).toBeNull();
        await store.close();
      } finally {
        process.env = saved;
      }
    });
  });
});
