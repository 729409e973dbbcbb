/**
 * `--format json`: a documented, stable document (see README.md). Keys appear in a fixed order;
 * new fields may be added, existing ones keep their meaning while schemaVersion stays 1.
 *
 * Streamed: the document's skeleton is serialised once and its arrays are written element by
 * element as rows arrive, byte for byte what `JSON.stringify(doc, null, 2)` gives, at any size.
 */
import type { Finding } from '../model/index.js';
import {
  eachPage,
  renderInput,
  type ReportHead,
  type Renderer,
  type ScoreRow,
  type StreamName,
  type SuppressedRow,
} from './stream.js';
import { guard } from './terminal.js';
import type { ReportInput } from './types.js';
import { manualFix } from '../scoring/fix-steps.js';
import type { ManualFix } from '../scoring/fix.js';
import { cmp } from '../scoring/compare.js';

export const JSON_SCHEMA_VERSION = 1;

export function findingJson(f: Finding): Record<string, unknown> {
  return {
    fingerprint: f.fingerprint,
    ruleId: f.ruleId,
    outcome: f.outcome,
    severity: f.severity,
    points: f.points,
    // Whether the subject reaches an AI service (scoring/ai.ts); `report --ai` keeps these.
    ai: f.ai === true,
    subjectKind: f.subjectKind,
    subjectId: f.subjectId,
    provider: f.provider,
    scopeId: f.scopeId,
    scopeName: f.scopeName,
    identityName: f.identityName,
    identityExternalId: f.identityExternalId,
    credentialExternalId: f.credentialExternalId,
    message: f.message,
    owasp: f.owasp,
    cis: f.cis,
    playbook: f.playbook,
    fix: f.fix ?? null,
    evidence: f.evidence,
    owner: f.owner ?? null,
    team: f.team ?? null,
    ownerVia: f.ownerVia ?? null,
    purpose: f.purpose ?? null,
  };
}

function scoreJson(s: ScoreRow): Record<string, unknown> {
  return {
    subjectId: s.subjectId,
    subjectKind: s.subjectKind,
    score: s.score,
    band: s.band,
    contributions: (s.contributions as Record<string, unknown>[]).map((c) => ({
      ruleId: c.ruleId,
      fingerprint: c.fingerprint,
      points: c.points,
      reason: c.reason,
    })),
  };
}

/**
 * JSON.stringify escapes C0 controls but writes C1 controls, DEL, line separators and bidi
 * overrides raw: legal JSON, yet a terminal or editor acts on them. They can only occur inside
 * strings, where the `\uXXXX` form is the same value, so every JSON nhi writes goes through here.
 */
export function jsonText(value: unknown, indent?: number): string {
  return guardJson(JSON.stringify(value, null, indent));
}

/**
 * `guard` for text JSON.stringify wrote. It escapes every C0 control itself, so in text that is
 * all ASCII only DEL can need escaping: two native scans say so, a few times faster than the
 * guard's expression over the megabytes of a large report. Other text takes the guard.
 */
function guardJson(text: string): string {
  if (Buffer.byteLength(text, 'utf8') === text.length && !text.includes('\u007f')) return text;
  return guard(text, false);
}

/**
 * The manual steps the findings refer to (`fix.manual`), once each, keyed by that reference.
 * Placeholders {name}, {identity}, {credential}, {scope}, {id} stand for each finding's
 * identityName, identityExternalId, credentialExternalId, scopeId and subjectId. Collected while
 * the findings stream (a handful of distinct references, whatever the estate's size).
 */
class ManualFixes {
  private readonly seen = new Map<string, ManualFix>();
  note(f: Finding): void {
    if (!f.fix || !('manual' in f.fix) || this.seen.has(f.fix.manual)) return;
    const m = manualFix(f.ruleId, f.fix.manual);
    if (m) this.seen.set(f.fix.manual, m);
  }
  /** The object, serialised as it sits under a key indented by `pad`. */
  *write(pad: string): Renderer {
    const sorted = Object.fromEntries([...this.seen].sort(([a], [b]) => cmp(a, b)));
    yield jsonText(sorted, 2).replace(/\n/g, `\n${pad}`);
  }
}

/**
 * Values serialised as elements at indentation `pad` (spaces, two per level), separated by
 * `,\n` — JSON.stringify indents them itself when they sit that deep inside wrapping arrays, and
 * the wrapping is cut off: cheaper than re-indenting every line of the text afterwards.
 */
function elementsAt(values: readonly unknown[], pad: string): string {
  const depth = pad.length / 2;
  if (!Number.isInteger(depth) || pad.trim() !== '') throw new Error(`bad JSON indentation`);
  if (depth === 0) return guardJson(values.map((v) => JSON.stringify(v, null, 2)).join(',\n'));
  let wrapped: unknown = values;
  for (let i = 1; i < depth; i++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  // Each wrapping level opens with its indentation, "[" and a line break, and closes the same.
  const cut = depth * depth + depth;
  return guardJson(text.slice(cut, text.length - cut));
}

/** A value as an element of an indented array: every line indented by `pad`. */
export function indented(value: unknown, pad: string): string {
  return elementsAt([value], pad);
}

const EMPTY_ARRAY = (key: string) => new RegExp(`\\n( *)"${key}": \\[\\]`);

/**
 * Splits serialised JSON at the empty array under `key` (a real line break and indentation
 * come before it, so a string value can never be mistaken for it).
 */
export function splitAtArray(
  text: string,
  key: string,
): { before: string; pad: string; after: string } {
  const m = EMPTY_ARRAY(key).exec(text);
  if (!m) throw new Error(`no empty array "${key}" to stream into`);
  const end = m.index + m[0].length;
  return { before: text.slice(0, end - 2), pad: m[1]!, after: text.slice(end) };
}

/** Streams the elements of one array whose key sits at indentation `pad`. */
export function* jsonArray<T>(
  name: StreamName,
  pad: string,
  toJson: (row: T) => unknown,
): Renderer {
  let first = true;
  const inner = `${pad}  `;
  yield* eachPage<T>(name, function* (page) {
    if (!page.length) return;
    yield (first ? '[\n' : ',\n') + elementsAt(page.map(toJson), inner);
    first = false;
  });
  yield first ? '[]' : `\n${pad}]`;
}

/** Writes `skeleton` with the arrays under `streamed` keys filled from their streams. */
export function* jsonDocument(
  skeleton: string,
  streamed: readonly (readonly [key: string, write: (pad: string) => Renderer])[],
): Renderer {
  let rest = skeleton;
  for (const [key, write] of streamed) {
    const { before, pad, after } = splitAtArray(rest, key);
    yield before;
    yield* write(pad);
    rest = after;
  }
  yield rest;
}

export function jsonRenderer(head: ReportHead): Renderer {
  const skeleton = jsonText(
    {
      schemaVersion: JSON_SCHEMA_VERSION,
      ...(head.generatedAt ? { generatedAt: head.generatedAt } : {}),
      summary: head.summary,
      findings: [],
      fixes: [],
      scores: [],
      suppressed: [],
      expiredExceptions: [],
      gaps: head.gaps.map((g) => ({
        provider: g.provider,
        scopeId: g.scopeId,
        signal: g.signal,
        message: g.message,
        code: g.code,
        fix: g.fix,
      })),
    },
    2,
  );
  const fixes = new ManualFixes();
  const finding = (f: Finding) => {
    fixes.note(f);
    return findingJson(f);
  };
  return (function* (): Renderer {
    yield* jsonDocument(skeleton, [
      ['findings', (pad) => jsonArray<Finding>('findings', pad, finding)],
      // `fixes` is an object: its placeholder array is replaced whole once the findings are read.
      ['fixes', (pad) => fixes.write(pad)],
      ['scores', (pad) => jsonArray<ScoreRow>('scores', pad, scoreJson)],
      [
        'suppressed',
        (pad) =>
          jsonArray<SuppressedRow>('suppressed', pad, (s) => ({
            finding: findingJson(s.finding),
            exception: s.exception,
          })),
      ],
      ['expiredExceptions', (pad) => expiredExceptions(head, pad)],
    ]);
    yield '\n';
  })();
}

/** Each expired exception with the fingerprints it still matches (streamed too). */
function* expiredExceptions(head: ReportHead, pad: string): Renderer {
  if (head.expiredExceptions.length === 0) {
    yield '[]';
    return;
  }
  const inner = `${pad}  `;
  let index = 0;
  for (const e of head.expiredExceptions) {
    yield index === 0 ? '[\n' : ',\n';
    const element = indented(
      { exception: e.exception, expiredAt: e.expiredAt, fingerprints: [] },
      inner,
    );
    const name: StreamName = `expired:${index}`;
    yield* jsonDocument(element, [
      ['fingerprints', (p) => jsonArray<string>(name, p, (fingerprint) => fingerprint)],
    ]);
    index += 1;
  }
  yield `\n${pad}]`;
}

export function renderJson(input: ReportInput): string {
  return renderInput(jsonRenderer, input);
}
