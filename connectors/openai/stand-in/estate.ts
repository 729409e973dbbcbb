/**
 * The OpenAI stand-in's data, typed with the SDK's own response types so stand-in, connector
 * and the published API cannot drift apart. Each key keeps its secret value here (only the
 * stand-in knows it: tests search the catalog for it) and is served without it.
 */
import { createHash } from 'node:crypto';
import type {
  AdminAPIKey,
  OrganizationUser,
  Project,
  ProjectServiceAccount,
  WireProjectKey,
} from '../schema.js';

export interface EstateAdminKey extends AdminAPIKey {
  value: string;
}

export interface EstateProjectKey extends WireProjectKey {
  value: string;
}

export interface EstateProject {
  project: Project;
  serviceAccounts: ProjectServiceAccount[];
  keys: EstateProjectKey[];
  /** Key listings of this project answer 403 (an admin key without that permission). */
  keysDenied?: boolean;
}

export interface OpenaiEstate {
  organization: { id: string; name: string };
  users: OrganizationUser[];
  adminKeys: EstateAdminKey[];
  projects: EstateProject[];
  /** The members listing answers 403. */
  usersDenied?: boolean;
}

export const unix = (iso: string): number => Math.floor(new Date(iso).getTime() / 1000);

/** A key value that looks like OpenAI's (`sk-proj-…`), stable for a given id. */
export function keyValue(prefix: 'sk-admin-' | 'sk-proj-' | 'sk-svcacct-', id: string): string {
  const body = createHash('sha256').update(`openai-stand-in:${id}`).digest('base64url');
  return `${prefix}${body}${body.slice(0, 12)}`;
}

/** What the dashboard shows of a key: its prefix and last four characters. */
export function redact(value: string): string {
  const prefix = /^sk-[a-z]+-/.exec(value)?.[0] ?? 'sk-';
  return `${prefix}...${value.slice(-4)}`;
}

/** The admin key the stand-in accepts (the first admin key of the estate). */
export function callerKey(estate: OpenaiEstate): string {
  const key = estate.adminKeys[0];
  if (!key) throw new Error('an OpenAI estate needs at least one admin key (the caller)');
  return key.value;
}

/** Every secret the stand-in ever issued for this estate (tests search the catalog for them). */
export function issuedValues(estate: OpenaiEstate): string[] {
  return [
    ...estate.adminKeys.map((k) => k.value),
    ...estate.projects.flatMap((p) => p.keys.map((k) => k.value)),
  ];
}
