// Runs benchmark scripts: bench/<name>.bench.ts is compiled with esbuild (the project ships
// compiled JS; benchmarks follow suit) and its default export's figures are printed as JSON
// and saved under bench/results/. Usage: node bench/run.mjs [name…]   (default: all)
import { build } from 'esbuild';
import { readdirSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const all = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace('.bench.ts', ''));
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : all;
const outdir = join('bench', '.build');
mkdirSync(join('bench', 'results'), { recursive: true });
for (const name of wanted) {
  if (!all.includes(name)) {
    console.error(`no benchmark bench/${name}.bench.ts (have: ${all.join(', ')})`);
    process.exit(2);
  }
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: { [name]: join('bench', `${name}.bench.ts`) },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  const mod = await import(pathToFileURL(join(outdir, `${name}.mjs`)).href);
  const figures = await mod.default();
  const record = { bench: name, at: new Date().toISOString(), node: process.version, figures };
  console.log(JSON.stringify(record, null, 2));
  writeFileSync(join('bench', 'results', `${name}.json`), JSON.stringify(record, null, 2) + '\n');
}
rmSync(outdir, { recursive: true, force: true });
