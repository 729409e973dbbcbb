/**
 * `nhi remediate --sink` templates: `{identity}` and `{credential}` are filled in per
 * credential. The values come from the provider (an identity's display name is anyone's
 * choice), so each is reduced to a safe name before it is used, and a file sink's path must
 * stay inside the directory the template names: `../../tmp/x` in a display name cannot write
 * anywhere else.
 */
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { SinkSpec } from '../connector/index.js';
import { UserError } from '../connector/index.js';
import { parseSinkSpec } from './plan.js';

/** Letters, digits and `._@+=-`; anything else becomes `-`; no leading dots or dashes. */
export function safeName(value: string): string {
  const cleaned = value
    .normalize('NFKC')
    .replace(/[^A-Za-z0-9._@+=-]+/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/\.{2,}/g, '.')
    .slice(0, 120);
  return cleaned || 'unnamed';
}

const PLACEHOLDER = /\{(identity|credential)\}/g;

export function fillSinkTemplate(
  template: string,
  values: { identity: string; credential: string },
  overwrite: boolean,
): SinkSpec {
  const raw = template.replace(PLACEHOLDER, (_, k: 'identity' | 'credential') =>
    safeName(values[k]),
  );
  const spec = parseSinkSpec(raw, overwrite);
  if (spec.scheme !== 'file') return spec;
  // The sink directory: what the template names before its first placeholder.
  const tmplTarget = parseSinkSpec(template, overwrite).target;
  const fixed = tmplTarget.slice(
    0,
    tmplTarget.search(PLACEHOLDER) >= 0 ? tmplTarget.search(PLACEHOLDER) : undefined,
  );
  const base = resolve(fixed.endsWith('/') || fixed === '' ? fixed || '.' : dirname(fixed));
  const target = resolve(spec.target);
  const rel = relative(base, target);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new UserError(
      `--sink ${template}: for ${values.credential} the file would be ${target}, outside ${base}: refused`,
    );
  }
  return spec;
}
