/**
 * The Anthropic stand-in's data, typed with the SDK's own response types. Each key keeps its
 * secret value (only the stand-in knows it: tests search the catalog for it) and the days it
 * was used on (the usage report is built from them); both are served without.
 */
import { createHash } from 'node:crypto';
import type {
  APIKey,
  OrganizationInfo,
  OrganizationUser,
  ServiceAccount,
  Workspace,
} from '../schema.js';

export interface EstateKey extends APIKey {
  value: string;
  /** ISO instants the key made Messages API calls (one per day is enough for the report). */
  usedAt: string[];
}

export interface AnthropicEstate {
  organization: OrganizationInfo;
  /** The Admin API key the stand-in accepts (admin keys are not listed by the API). */
  adminKey: string;
  workspaces: Workspace[];
  users: OrganizationUser[];
  serviceAccounts: ServiceAccount[];
  keys: EstateKey[];
  /** The usage report answers 404 (an organization without the Usage and Cost API). */
  usageUnavailable?: boolean;
  /** The members listing answers 403. */
  usersDenied?: boolean;
}

/** A key value that looks like Anthropic's (`sk-ant-api03-…AA`), stable for a given id. */
export function keyValue(prefix: 'sk-ant-api03-' | 'sk-ant-admin01-', id: string): string {
  const body = createHash('sha512').update(`anthropic-stand-in:${id}`).digest('base64url');
  return `${prefix}${body.slice(0, 86)}AA`;
}

/** What the Console shows of a key. */
export function hint(value: string): string {
  return `${value.slice(0, 16)}...${value.slice(-4)}`;
}

export function issuedValues(estate: AnthropicEstate): string[] {
  return [estate.adminKey, ...estate.keys.map((k) => k.value)];
}
