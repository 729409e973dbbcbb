// `npm run new-connector <id>`: copies connectors/_template to connectors/<id>, renames the
// template's identifiers, adds the id to the one provider list (src/model/providers.ts) and
// regenerates the config JSON Schema. Nothing else needs editing for the provider to appear in
// `nhi scan --help`, the config schema, `nhi doctor` and `nhi scan --demo`.
import { cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const id = process.argv[2];
if (!id || !/^[a-z][a-z0-9-]{1,30}$/.test(id)) {
  console.error(
    'usage: npm run new-connector <id>   (lower case letters, digits and dashes, e.g. acme)',
  );
  process.exit(2);
}
const target = join('connectors', id);
if (existsSync(target)) {
  console.error(`${target} already exists`);
  process.exit(2);
}

const pascal = id.replace(/(^|-)([a-z0-9])/g, (_, _d, c) => c.toUpperCase());
const upper = id.toUpperCase().replace(/-/g, '_');
const rename = (text) =>
  text.replaceAll('TEMPLATE', upper).replaceAll('Template', pascal).replaceAll('template', id);

cpSync(join('connectors', '_template'), target, { recursive: true });
const walk = (dir) =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
for (const file of walk(target)) writeFileSync(file, rename(readFileSync(file, 'utf8')));

const list = 'src/model/providers.ts';
const source = readFileSync(list, 'utf8');
const entries = [...source.matchAll(/^ {2}\{ id: '([^']+)'.*\},$/gm)];
const entry = `  { id: '${id}', title: '${pascal}', sinks: [] },`;
const after = entries.filter((m) => m[1] < id).at(-1) ?? null;
const at = after ? after.index + after[0].length + 1 : entries[0].index;
writeFileSync(list, `${source.slice(0, at)}${entry}\n${source.slice(at)}`);

execFileSync('npx', ['prettier', '--write', target, list], { stdio: 'ignore' });
console.log(`created ${target} and registered '${id}' in ${list}`);
console.log('regenerating schema/nhi.config.schema.json …');
execFileSync('npx', ['vitest', 'run', 'src/config/template.test.ts', '-u', '--reporter=dot'], {
  stdio: 'inherit',
});
console.log(
  `next: edit ${target}/ (start with options.ts, schema.ts and client.ts), then npm test`,
);
