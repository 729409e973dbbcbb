/**
 * Coverage signals: what a connector can fail to see, declared once per connector, and the
 * one collector every scan uses. A gap is "not evaluated" for the rules that read its signal,
 * and the record kinds it hides are never marked removed by the catalog.
 */
import type { CoverageGap, ScopeInventory } from '../../model/index.js';

export type RecordKind = NonNullable<ScopeInventory['incomplete']>[number];

export interface SignalDecl {
  /** Stable id rules and gaps share, e.g. 'access-advisor', 'deploy-keys'. */
  signal: string;
  /** What it carries, in words (docs, doctor). */
  description: string;
  /** The permission or setting that closes the gap. */
  fix: string;
  /** Record kinds a gap in this signal leaves partly unlisted (none for attribute-only signals). */
  hides: readonly RecordKind[];
}

/** Declares a connector's signals, keeping their ids as a literal type for `GapCollector.add`. */
export function defineSignals<const T extends readonly SignalDecl[]>(signals: T): T {
  return signals;
}

export type SignalId<T extends readonly SignalDecl[]> = T[number]['signal'];

export interface GapInput {
  message: string;
  code?: string | null;
  /** A repository, project, principal… the gap concerns; gaps of one signal are merged. */
  subject?: string;
  /** Overrides the declared fix (e.g. a fix that names the exact resource). */
  fix?: string;
  /** Overrides the declared `hides` for this occurrence (e.g. a 404 that means "none exist"). */
  hides?: readonly RecordKind[];
}

interface Entry {
  first: GapInput;
  subjects: string[];
  hides: Set<RecordKind>;
}

const SHOWN_SUBJECTS = 10;

/** Collects gaps: one per signal and scope, naming every subject it concerns. */
export class GapCollector<S extends string = string> {
  private readonly bySignal = new Map<string, Entry>();
  private readonly decls: Map<string, SignalDecl>;

  constructor(signals: readonly SignalDecl[]) {
    this.decls = new Map(signals.map((d) => [d.signal, d]));
  }

  add(signal: S, gap: GapInput): void {
    const decl = this.decls.get(signal);
    if (!decl) throw new Error(`coverage signal '${signal}' is not declared by this connector`);
    let entry = this.bySignal.get(signal);
    if (!entry) {
      entry = { first: gap, subjects: [], hides: new Set() };
      this.bySignal.set(signal, entry);
    }
    for (const kind of gap.hides ?? decl.hides) entry.hides.add(kind);
    if (gap.subject !== undefined) entry.subjects.push(gap.subject);
  }

  /** Adds gaps that came from elsewhere (an organization-level probe, a fallback path). */
  addAll(gaps: readonly CoverageGap[]): void {
    for (const g of gaps)
      this.add(g.signal as S, {
        message: g.message,
        code: g.code,
        ...(g.fix ? { fix: g.fix } : {}),
      });
  }

  has(signal: S): boolean {
    return this.bySignal.has(signal);
  }

  get size(): number {
    return this.bySignal.size;
  }

  /** The gaps, sorted by signal; a merged gap lists its first subjects and counts the rest. */
  list(): CoverageGap[] {
    return [...this.bySignal.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([signal, e]) => {
        const subjects = [...new Set(e.subjects)].sort();
        const shown = subjects.slice(0, SHOWN_SUBJECTS).join(', ');
        const more =
          subjects.length > SHOWN_SUBJECTS ? ` and ${subjects.length - SHOWN_SUBJECTS} more` : '';
        return {
          signal,
          message: subjects.length
            ? `${e.first.message} (${subjects.length}: ${shown}${more})`
            : e.first.message,
          code: e.first.code ?? null,
          fix: e.first.fix ?? this.decls.get(signal)!.fix,
        };
      });
  }

  /** Record kinds the scope could not list completely: the catalog keeps unseen ones. */
  incomplete(): RecordKind[] {
    const kinds = new Set<RecordKind>();
    for (const e of this.bySignal.values()) for (const k of e.hides) kinds.add(k);
    return (['identities', 'credentials', 'grants'] as const).filter((k) => kinds.has(k));
  }
}
