// The floor of the scale benchmark: a bare better-sqlite3 read of the rows a view returns, in a
// process of its own (so start-up counts on both sides). Usage:
//   node bench/bare-read.mjs <catalog> <what> [id]
// Rows are read with a statement iterator and their JSON columns parsed, as any reader must.
// `raw:<what>` reads the same rows as arrays (better-sqlite3's raw mode, as nhi's views do since
// round 5): a stricter floor than an object per row, reported beside the historical one.
import Database from 'better-sqlite3';

const [path, asked, id] = process.argv.slice(2);
const raw = asked.startsWith('raw:');
const what = raw ? asked.slice(4) : asked;
const db = new Database(path, { readonly: true });
const evaluation = () =>
  db.prepare(`SELECT id FROM evaluations WHERE status = 'complete' ORDER BY id DESC LIMIT 1`).get()
    .id;
const json = (v) => (v ? JSON.parse(v) : null);
let rows = 0;
const read = (sql, ...params) => {
  const stmt = db.prepare(sql);
  if (raw) {
    const at = stmt.columns().flatMap((c, i) => (c.name.endsWith('_json') ? [i] : []));
    for (const r of stmt.raw(true).iterate(...params)) {
      rows += 1;
      for (const i of at) r[i] = json(r[i]);
    }
    return;
  }
  for (const r of stmt.iterate(...params)) {
    rows += 1;
    for (const k of Object.keys(r)) if (k.endsWith('_json')) r[k] = json(r[k]);
  }
};
switch (what) {
  case 'inventory': // every identity, credential and grant: what an in-memory evaluation reads
    read('SELECT * FROM identities');
    read('SELECT * FROM credentials');
    read('SELECT * FROM grants');
    break;
  case 'list-20':
    read('SELECT * FROM credentials LIMIT 20');
    break;
  case 'show': {
    const c = db.prepare('SELECT * FROM credentials WHERE id = ?').get(id);
    read('SELECT * FROM identities WHERE id = ?', c.identity_id);
    read('SELECT * FROM grants WHERE identity_id = ?', c.identity_id);
    rows += 1;
    break;
  }
  case 'findings': // report --format json: every finding and score of the evaluation
    read('SELECT * FROM findings WHERE evaluation_id = ?', evaluation());
    read('SELECT * FROM scores WHERE evaluation_id = ?', evaluation());
    break;
  case 'findings-high': // check --fail-on high: the failing findings at high or above
    read('SELECT * FROM findings WHERE evaluation_id = ? AND rank >= 3', evaluation());
    break;
  case 'kpi': // the columns a findings-by-provider-and-severity aggregate reads
    read(
      'SELECT provider, severity, rank, points, subject_id FROM findings WHERE evaluation_id = ?',
      evaluation(),
    );
    break;
  default:
    throw new Error(`unknown read ${what}`);
}
process.stdout.write(`${rows}\n`);
