/** What a subject's grants let it do, sorted into the classes the privilege rules report. */
import type { StoredGrant } from '../../model/index.js';

/**
 * The risk classes of Cloudsplaining and Prowler, as nhi reports them:
 * - admin: full control of the account / subscription / project / organization;
 * - permissions-management: can change who may do what (and so make itself admin);
 * - privilege-escalation: can act as, or mint credentials for, other identities;
 * - data-exfiltration: can read data or secrets everywhere;
 * - resource-exposure: can change resource policies (share or publish resources);
 * - service-wildcard: every action of a whole service (or of every service but a few).
 */
export const PRIVILEGE_CLASSES = [
  'admin',
  'permissions-management',
  'privilege-escalation',
  'data-exfiltration',
  'resource-exposure',
  'service-wildcard',
] as const;
export type PrivilegeClass = (typeof PRIVILEGE_CLASSES)[number];

export interface PrivilegeHit {
  class: PrivilegeClass;
  /** The exact actions / roles / permissions, e.g. `iam:PassRole (via iam:Pass*)`, `Owner at /subscriptions/…`. */
  allows: string[];
  /** The named escalation path, when the hit is one (e.g. `PassRole+Lambda`). */
  path?: string;
  /** The path needs an existing resource that already holds a role (a function, a stack…). */
  existing?: boolean;
  /** The grants that together allow it. */
  grants: StoredGrant[];
}

/** A grant whose risk nhi cannot tell from what the connector recorded: "not evaluated". */
export interface Undetermined {
  /** The classes it might belong to. */
  classes: readonly PrivilegeClass[];
  grant: StoredGrant;
  reason: string;
  /** What it may allow, when that much is known. */
  allows?: string[];
}

export interface SubjectPrivileges {
  hits: PrivilegeHit[];
  undetermined: Undetermined[];
}

export const ALL_CLASSES: readonly PrivilegeClass[] = PRIVILEGE_CLASSES;

/** Collects hits per class, each with the grants behind it (used by the role-based providers). */
export function hitCollector() {
  const found = new Map<PrivilegeClass, { allows: string[]; grants: StoredGrant[] }>();
  return {
    has: (cls: PrivilegeClass) => found.has(cls),
    add(cls: PrivilegeClass, allows: string, g: StoredGrant): void {
      const entry = found.get(cls) ?? { allows: [], grants: [] };
      entry.allows.push(allows);
      if (!entry.grants.includes(g)) entry.grants.push(g);
      found.set(cls, entry);
    },
    /** Keeps only `cls` (an admin grant says everything the narrower classes would). */
    only(cls: PrivilegeClass): void {
      for (const k of [...found.keys()]) if (k !== cls) found.delete(k);
    },
    hits: (): PrivilegeHit[] => [...found].map(([cls, v]) => ({ class: cls, ...v })),
  };
}
