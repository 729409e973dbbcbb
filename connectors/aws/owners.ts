/**
 * Who created each IAM user, role and access key, from CloudTrail's event history
 * (LookupEvents: management events of the last 90 days, in us-east-1 where IAM records them).
 * Bounded and polite: one lookup per event name, at most `cloudTrailPages` pages each, and at
 * most 2 requests a second per account (the LookupEvents quota AWS documents). The creator is
 * a `creation-event` owner candidate (medium); a denied or failed lookup is a gap that hides
 * no record, never a failed scope.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Identity, OwnerCandidate, ScopeInventory } from '../../src/model/index.js';
import type { AwsSession } from './client.js';
import type { AwsSettings } from './options.js';

export const CREATION_EVENTS = ['CreateUser', 'CreateRole', 'CreateAccessKey'] as const;
const WINDOW_DAYS = 90;
const DAY_MS = 86_400_000;

export interface CreationEvent {
  eventName: (typeof CREATION_EVENTS)[number];
  /** Who made the call (CloudTrail's `Username`: an IAM user, a role session's name). */
  creator: string;
  at: string | null;
  /** Resource type (AWS::IAM::User, AWS::IAM::Role, AWS::IAM::AccessKey) -> name or key id. */
  resources: Record<string, string>;
}

export interface CreationEvents {
  events: CreationEvent[];
  /** Event names whose history had more pages than read. */
  truncated: string[];
}

/** Spaces calls `intervalMs` apart (the turn is taken before each request). */
export function spacing(intervalMs: number, signal?: AbortSignal): () => Promise<void> {
  let next = 0;
  return async () => {
    const wait = next - Date.now();
    next = Math.max(Date.now(), next) + intervalMs;
    if (wait > 0) await sleep(wait, undefined, signal ? { signal } : {});
  };
}

export async function readCreationEvents(
  session: AwsSession,
  settings: AwsSettings,
  now: Date,
  signal?: AbortSignal,
): Promise<CreationEvents> {
  const turn = spacing(settings.cloudTrailIntervalMs, signal);
  const start = new Date(now.getTime() - WINDOW_DAYS * DAY_MS);
  const out: CreationEvents = { events: [], truncated: [] };
  // One after the other: the quota is per account and region, not per event name.
  for (const name of CREATION_EVENTS) {
    const { events, truncated } = await session.lookupEvents(
      name,
      start,
      now,
      settings.cloudTrailPages,
      turn,
    );
    if (truncated) out.truncated.push(name);
    for (const e of events) {
      if (!e.Username) continue;
      const resources: Record<string, string> = {};
      for (const r of e.Resources ?? [])
        if (r.ResourceType && r.ResourceName) resources[r.ResourceType] = r.ResourceName;
      out.events.push({
        eventName: name,
        creator: e.Username,
        at: e.EventTime ? e.EventTime.toISOString() : null,
        resources,
      });
    }
  }
  return out;
}

function candidate(e: CreationEvent): OwnerCandidate {
  return {
    owner: e.creator,
    source: 'creation-event',
    via: `CloudTrail ${e.eventName}${e.at ? ` ${e.at.slice(0, 10)}` : ''}`,
    confidence: 'medium',
  };
}

function add(attributes: Record<string, unknown>, c: OwnerCandidate): void {
  const had = Array.isArray(attributes.ownerCandidates)
    ? (attributes.ownerCandidates as OwnerCandidate[])
    : [];
  if (had.some((x) => x.source === c.source && x.owner === c.owner)) return;
  attributes.ownerCandidates = [...had, c];
}

/**
 * Creators as candidates of what they created: a user or role by name, an access key by id.
 * Events are newest first: a name deleted and created again gets its latest creator.
 */
export function applyCreationEvents(
  inventory: Pick<ScopeInventory, 'identities' | 'credentials'>,
  read: CreationEvents,
): void {
  const users = new Map<string, Identity>();
  const roles = new Map<string, Identity>();
  for (const i of inventory.identities) {
    if (i.kind === 'user') users.set(i.name, i);
    if (i.kind === 'role') roles.set(i.name, i);
  }
  const keys = new Map(
    inventory.credentials.filter((c) => c.type === 'access-key').map((c) => [c.externalId, c]),
  );
  const done = new Set<string>();
  for (const e of read.events) {
    const target =
      e.eventName === 'CreateAccessKey'
        ? keys.get(e.resources['AWS::IAM::AccessKey'] ?? '')
        : e.eventName === 'CreateUser'
          ? users.get(e.resources['AWS::IAM::User'] ?? '')
          : roles.get(e.resources['AWS::IAM::Role'] ?? '');
    if (!target || done.has(target.externalId)) continue;
    done.add(target.externalId);
    add(target.attributes, candidate(e));
  }
}
