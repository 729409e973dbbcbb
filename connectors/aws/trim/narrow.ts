/**
 * Pure rewriting of IAM policy documents at service level (Access Advisor reports last access
 * per service namespace; action-level data exists only for a few services, so nhi removes whole
 * services, as Repokid does). Deny statements, conditions and resources are kept as they were;
 * a statement that loses all its actions is dropped; `Action: "*"` becomes the used services.
 * NotAction statements grant "everything except": they are never narrowed.
 */
import type { GrantDocument, GrantedPermission, Narrowed } from '../../../src/connector/index.js';

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  [k: string]: unknown;
}
interface PolicyDoc {
  Version?: string;
  Statement: Statement | Statement[];
  [k: string]: unknown;
}

/** IAM's size limit of a customer-managed policy, in characters without white space. */
const MANAGED_POLICY_MAX = 6_144;

const list = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

function serviceOf(action: string): string {
  if (action === '*' || action === '*:*') return '*';
  const i = action.indexOf(':');
  return i > 0 ? action.slice(0, i).toLowerCase() : action.toLowerCase();
}

function textOf(doc: GrantDocument): string | null {
  if (doc.kind === 'attachment') return typeof doc.facts.text === 'string' ? doc.facts.text : null;
  return doc.document;
}

function parse(text: string | null): PolicyDoc | null {
  if (!text) return null;
  try {
    const d = JSON.parse(text) as PolicyDoc;
    return d && typeof d === 'object' && d.Statement ? d : null;
  } catch {
    return null;
  }
}

export function permissionsOf(doc: GrantDocument): GrantedPermission[] {
  const d = parse(textOf(doc));
  if (!d) return [];
  const out: GrantedPermission[] = [];
  for (const st of list(d.Statement)) {
    if (st.Effect !== 'Allow') continue;
    for (const a of list(st.Action)) out.push({ permission: a, service: serviceOf(a) });
    for (const a of list(st.NotAction)) out.push({ permission: `NotAction:${a}`, service: '*' });
  }
  return out;
}

export function narrow(
  doc: GrantDocument,
  unused: ReadonlySet<string>,
  used: readonly string[],
): Narrowed | null {
  const d = parse(textOf(doc));
  if (!d) return null;
  const removed: GrantedPermission[] = [];
  const statements: Statement[] = [];
  for (const st of list(d.Statement)) {
    if (st.Effect !== 'Allow' || st.Action === undefined) {
      statements.push(st);
      continue;
    }
    const keep: string[] = [];
    for (const a of list(st.Action)) {
      const service = serviceOf(a);
      if (service === '*' && unused.has('*')) {
        // Everything granted, only some services used: grant exactly the used ones.
        removed.push({ permission: a, service });
        keep.push(...used.map((s) => `${s}:*`));
      } else if (unused.has(service)) removed.push({ permission: a, service });
      else keep.push(a);
    }
    if (keep.length === 0) continue;
    const unique = [...new Set(keep)];
    statements.push({ ...st, Action: unique.length === 1 ? unique[0]! : unique });
  }
  if (removed.length === 0) return { after: doc.document, removed };
  const empty = statements.length === 0;
  if (doc.kind === 'attachment') {
    // An AWS-managed policy cannot be edited: detached when nothing of it is used, else replaced
    // by a customer-managed copy of the used part (kept whole when the copy would not fit).
    if (empty) return { after: null, removed };
    const copy = JSON.stringify({
      ...d,
      Statement: Array.isArray(d.Statement) ? statements : statements[0]!,
    });
    return copy.replace(/\s/g, '').length <= MANAGED_POLICY_MAX ? { after: copy, removed } : null;
  }
  if (empty && doc.kind === 'policy-version') return null; // a version cannot be empty
  if (empty) return { after: null, removed };
  const out: PolicyDoc = {
    ...d,
    Statement: Array.isArray(d.Statement) ? statements : statements[0]!,
  };
  return { after: JSON.stringify(out), removed };
}
