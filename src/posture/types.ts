/**
 * Posture: the figures zero-trust programmes report (inventory and coverage, rotation, least
 * privilege, hygiene, ownership, findings), per scope, per provider and overall, for one run or
 * as a trend over runs. Every figure is counted by SQL over a run's stored evaluation (the
 * catalog's `postureOf`); definitions are in the README ("Posture KPIs").
 */

/** A share: `numerator / denominator`, null when there is nothing to divide (never 0 % or 100 %). */
export interface Ratio {
  numerator: number;
  denominator: number;
  share: number | null;
}

export interface PostureFigures {
  /* inventory and coverage */
  identities: number;
  credentials: number;
  credentialsByType: Record<string, number>;
  credentialsByStatus: Record<string, number>;
  /** Scopes the run tried; those that failed or were interrupted (their data is older). */
  scopes: number;
  scopesNotEvaluated: number;
  /** Coverage gaps in force: signals a connector could not read. */
  gaps: number;
  /** Subjects (identities + credentials) with at least one check not evaluated. */
  subjectsNotEvaluated: Ratio;
  /** Credentials first seen / removed since the previous run. */
  credentialsAdded: number;
  credentialsRemoved: number;

  /* rotation */
  /** Active rotatable credentials within their rotation window (of those the rule could judge). */
  rotationCompliant: Ratio;
  /** Active rotatable credentials whose age the rotation rule could not judge. */
  rotationNotEvaluated: number;
  /** Credentials with an expiry date. */
  withExpiry: Ratio;
  /** Age in days at the run of credentials with a known creation date. */
  meanAgeDays: number | null;
  p90AgeDays: number | null;

  /*
   * Least privilege and hygiene. Figures read from a rule's findings are null (shares: 0 of 0)
   * when the policy switched that rule off: not evaluated, never "none".
   */
  adminOrEscalation: Ratio;
  withUnusedGrants: Ratio;
  unusedGrants: number | null;
  unusedCredentials: number | null;
  neverUsedCredentials: number | null;
  dormantIdentities: number | null;
  keysInCi: number | null;

  /* ownership */
  withOwner: Ratio;

  /* findings (reported: suppressed ones are counted apart) */
  findings: { critical: number; high: number; medium: number; low: number; info: number };
  notEvaluated: number;
  suppressed: number;
  /** Findings resolved by this run (seen in an earlier run, absent now) and their mean time to resolve. */
  resolved: number;
  meanDaysToResolve: number | null;
}

export type PostureLevel = 'overall' | 'provider' | 'scope';

export interface PostureGroup {
  level: PostureLevel;
  provider: string | null;
  scopeId: string | null;
  scopeName: string | null;
  figures: PostureFigures;
  /**
   * The same figures for the subjects that reach an AI service (Bedrock, Vertex/Gemini, Azure
   * OpenAI, OpenAI, Anthropic…: the evaluation's `ai` marker). Scopes and gaps are the group's.
   */
  ai: PostureFigures;
}

/** The posture at one run. Groups: overall first, then providers, then scopes, each sorted. */
export interface PosturePoint {
  runId: number;
  /** The run's start: what "age" and windows are measured from. */
  at: string;
  evaluationId: number;
  groups: PostureGroup[];
}

export interface PostureReport {
  /** Oldest first; the last point is the latest run. */
  points: PosturePoint[];
  /** Credentials of the latest run per provider and age bucket (labels in display order). */
  ageBuckets: string[];
  ageDistribution: { provider: string; bucket: string; count: number }[];
}

/**
 * The overall group's figures of a point (always present, even for an empty catalog): of every
 * subject, or of the AI-reaching ones.
 */
export function overall(p: PosturePoint, subset: 'all' | 'ai' = 'all'): PostureFigures {
  const g = p.groups.find((x) => x.level === 'overall')!;
  return subset === 'ai' ? g.ai : g.figures;
}
