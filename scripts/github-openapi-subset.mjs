// Extracts the GitHub REST paths nhi's GitHub connector uses (plus every component they
// reference, transitively) from @octokit/openapi into fixtures/openapi/github-subset.json.
// The stand-in's response bodies are validated against this subset in tests, which keeps
// the stand-in honest about GitHub's real payload shapes.
//
// @octokit/openapi is ~400 MB unpacked, so it is NOT a dependency: this script `npm pack`s
// the pinned version into a temp dir and reads only the two spec files from the tarball.
// Usage: node scripts/github-openapi-subset.mjs
/* global structuredClone */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, readdirSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VERSION = '23.0.2';
const OUT = 'fixtures/openapi/github-subset.json';

/** path -> methods used. `ghec` marks paths only in the GHEC spec. */
const PATHS = {
  '/orgs/{org}': ['get'],
  '/orgs/{org}/repos': ['get'],
  '/orgs/{org}/installation': ['get'],
  '/app/installations/{installation_id}/access_tokens': ['post'],
  '/orgs/{org}/personal-access-tokens': ['get'],
  '/orgs/{org}/personal-access-tokens/{pat_id}': ['post'],
  '/orgs/{org}/credential-authorizations': ['get'],
  '/orgs/{org}/credential-authorizations/{credential_id}': ['delete'],
  '/repos/{owner}/{repo}/keys': ['get', 'post'],
  '/repos/{owner}/{repo}/keys/{key_id}': ['get', 'delete'],
  '/orgs/{org}/installations': ['get'],
  '/apps/{app_slug}': ['get'],
  '/orgs/{org}/actions/secrets': ['get'],
  '/orgs/{org}/actions/secrets/public-key': ['get'],
  '/orgs/{org}/actions/secrets/{secret_name}': ['get', 'put'],
  '/repos/{owner}/{repo}/actions/secrets': ['get'],
  '/repos/{owner}/{repo}/actions/secrets/public-key': ['get'],
  '/repos/{owner}/{repo}/actions/secrets/{secret_name}': ['get', 'put'],
  '/repos/{owner}/{repo}/environments': ['get'],
  '/repos/{owner}/{repo}/environments/{environment_name}/secrets': ['get'],
  '/repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key': ['get'],
  '/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}': ['get', 'put'],
  '/orgs/{org}/dependabot/secrets': ['get'],
  '/repos/{owner}/{repo}/dependabot/secrets': ['get'],
  '/orgs/{org}/hooks': ['get'],
  '/repos/{owner}/{repo}/hooks': ['get'],
  '/repos/{owner}/{repo}/contents/{path}': ['get'],
  '/orgs/{org}/properties/values': ['get'],
  '/orgs/{org}/members': ['get'],
};

const work = mkdtempSync(join(tmpdir(), 'nhi-openapi-'));
try {
  execFileSync(
    'npm',
    ['pack', `@octokit/openapi@${VERSION}`, '--pack-destination', work, '--silent'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('npm pack produced no tarball');
  const files = ['package/generated/api.github.com.json', 'package/generated/ghec.json'];
  execFileSync('tar', ['-xzf', join(work, tgz), '-C', work, ...files]);
  const dotcom = JSON.parse(readFileSync(join(work, files[0]), 'utf8'));
  const ghec = JSON.parse(readFileSync(join(work, files[1]), 'utf8'));

  const out = {
    openapi: dotcom.openapi,
    info: {
      title: 'GitHub REST API subset used by nhi',
      version: dotcom.info.version,
      description: `Extracted by scripts/github-openapi-subset.mjs from @octokit/openapi@${VERSION} (MIT).`,
      license: dotcom.info.license,
    },
    paths: {},
    components: {},
  };
  const pending = [];
  for (const [path, methods] of Object.entries(PATHS)) {
    const fromDotcom = dotcom.paths[path];
    const spec = fromDotcom ? dotcom : ghec;
    const item = spec.paths[path];
    if (!item) throw new Error(`path ${path} is in neither spec`);
    out.paths[path] = {};
    for (const m of methods) {
      if (!item[m]) throw new Error(`${m.toUpperCase()} ${path} missing`);
      const op = stripExamples(structuredClone(item[m]));
      if (!fromDotcom) op['x-nhi-source'] = 'ghec.json';
      out.paths[path][m] = op;
      pending.push([spec, op]);
    }
  }
  // Follow $refs transitively; a component is taken from the spec that referenced it.
  const seen = new Set();
  while (pending.length) {
    const [spec, node] = pending.pop();
    for (const ref of collectRefs(node)) {
      if (seen.has(ref)) continue;
      seen.add(ref);
      const [, , section, name] = ref.split('/');
      const target = spec.components?.[section]?.[name];
      if (!target) throw new Error(`unresolved ${ref}`);
      const copy = stripExamples(structuredClone(target));
      (out.components[section] ??= {})[name] = copy;
      pending.push([spec, copy]);
    }
  }
  for (const section of Object.values(out.components)) {
    const sorted = Object.fromEntries(
      Object.entries(section).sort(([a], [b]) => a.localeCompare(b)),
    );
    Object.keys(section).forEach((k) => delete section[k]);
    Object.assign(section, sorted);
  }
  mkdirSync('fixtures/openapi', { recursive: true });
  const text = JSON.stringify(out, null, 1) + '\n';
  writeFileSync(OUT, text);
  console.log(
    `${OUT}: ${Object.keys(out.paths).length} paths, ${seen.size} components, ${(text.length / 1024).toFixed(0)} KB`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

function collectRefs(node, acc = []) {
  if (Array.isArray(node)) node.forEach((n) => collectRefs(n, acc));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') acc.push(v);
      else collectRefs(v, acc);
    }
  }
  return acc;
}

/** Examples are large and not needed to validate shapes; descriptions stay for readers. */
function stripExamples(node, parentKey = '') {
  if (Array.isArray(node)) node.forEach((n) => stripExamples(n));
  else if (node && typeof node === 'object') {
    // Under `properties`, "example" would be a field name, not an example.
    if (parentKey !== 'properties') {
      delete node.examples;
      delete node.example;
    }
    for (const [k, v] of Object.entries(node)) stripExamples(v, k);
  }
  return node;
}
