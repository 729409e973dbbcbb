/**
 * gh's conventions for JSON output, on every command that writes JSON: `--json` alone keeps the
 * whole document; `--json a,b` keeps those fields (of each item when the document is a list,
 * else of the document); `--jq EXPR` runs real jq (jq-wasm) over the result. The command
 * writes its JSON as usual; it is gathered here, then selected and filtered. Loaded only when
 * one of them is given, so plain runs never load jq.
 */
import { UserError } from '../connector/kit/errors.js';
import { didYouMean } from './choices.js';
import { tty } from './output.js';

export interface JsonFilter {
  fields?: string[];
  jq?: string;
}

/** The filter asked for on the command line, or null (`--json` alone, or no --jq). */
export function jsonFilterOf(g: { json?: boolean | string; jq?: string }): JsonFilter | null {
  const fields =
    typeof g.json === 'string'
      ? g.json
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
  if (!fields?.length && g.jq === undefined) return null;
  return { ...(fields?.length ? { fields } : {}), ...(g.jq !== undefined ? { jq: g.jq } : {}) };
}

/**
 * Runs `action` with stdout gathered, then writes the selected and filtered document. With the
 * command's `declared` fields (json-fields.ts), unknown fields are refused before it runs,
 * whatever rows it would have returned.
 */
export async function withJsonFilter(
  filter: JsonFilter,
  action: () => Promise<number | void>,
  declared?: readonly string[],
): Promise<number | void> {
  if (filter.fields && declared) checkFields(filter.fields, declared);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stdout.write;
  let code: number | void;
  try {
    code = await action();
  } finally {
    process.stdout.write = write;
  }
  const text = chunks.join('');
  if (text.trim() === '') return code;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UserError('--jq and --json <fields> need JSON output: add --json or --format json');
  }
  if (filter.fields) doc = selectFields(doc, filter.fields, declared);
  if (filter.jq === undefined) {
    write(`${JSON.stringify(doc, null, 2)}\n`);
    return code;
  }
  const jq = await import('jq-wasm');
  // The document is already text: hand it over as is (no second JSON.stringify).
  const r = await jq.raw(JSON.stringify(doc), filter.jq, ['-r']);
  if (r.exitCode !== 0)
    throw new UserError(
      `--jq: ${tty(r.stderr.trim().split('\n')[0] ?? `jq exited ${r.exitCode}`)}`,
    );
  const result = r.stdout;
  write(result.endsWith('\n') || result === '' ? result : `${result}\n`);
  return code;
}

/** Keeps `fields` of each item of a list, or of the document; an unknown field is exit 2. */
export function selectFields(
  doc: unknown,
  fields: readonly string[],
  declared?: readonly string[],
): unknown {
  const items = Array.isArray(doc) ? doc : [doc];
  if (declared) checkFields(fields, declared);
  else if (items.length > 0) {
    // A command without declared fields: the output's own keys are what can be named.
    const available = new Set<string>();
    for (const item of items)
      if (item && typeof item === 'object') for (const k of Object.keys(item)) available.add(k);
    checkFields(fields, [...available]);
  }
  const pick = (item: unknown) =>
    item && typeof item === 'object'
      ? Object.fromEntries(fields.map((f) => [f, (item as Record<string, unknown>)[f] ?? null]))
      : item;
  return Array.isArray(doc) ? doc.map(pick) : pick(doc);
}

/** Every field must be one of `known`: else exit 2 with a suggestion and the whole list. */
function checkFields(fields: readonly string[], known: readonly string[]): void {
  for (const f of fields)
    if (!known.includes(f))
      throw new UserError(
        `--json '${f}': unknown field${didYouMean(f, known)}; available fields: ${known.join(', ')}`,
      );
}
