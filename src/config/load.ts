/**
 * Finds, parses and validates the config file. Every problem becomes a ConfigError whose
 * message is one line pointing at the offending spot: `<file>:<line>:<col>: <reason>`.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import {
  LineCounter,
  isMap,
  isPair,
  isScalar,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import type { z } from 'zod';
import type { ProviderId } from '../model/index.js';
import type { Policy, PolicyException, RuleOverride, RulePolicy } from '../scoring/policy.js';
import { RULES, findRule } from '../scoring/rules/index.js';
import { ConfigError } from './errors.js';
import {
  DEFAULT_DELETE_AFTER_DAYS,
  DEFAULT_OVERLAP_DAYS,
  PROVIDER_IDS,
  RULE_ENTRY_KEYS,
  buildConfigSchema,
  type ConfigFile,
  type ConfigSchema,
  type ProviderOptionDecls,
} from './schema.js';
import { loadAllOptions } from '../connector/registry.js';
import type { OwnershipRule } from '../owners/map.js';
import { DEFAULT_WEBHOOK_ENV } from './schema.js';
import { PLAYBOOK_LIMITS } from '../model/index.js';

interface SchemaContext {
  schema: ConfigSchema;
  decls: ProviderOptionDecls;
}

let schemaContext: Promise<SchemaContext> | undefined;

/** The config schema with every connector's declared options (loaded once, lazily). */
export function configSchema(): Promise<SchemaContext> {
  return (schemaContext ??= loadAllOptions().then((decls) => ({
    decls,
    schema: buildConfigSchema(decls),
  })));
}

/** yaml's own default, stated: how far aliases may expand before a document is refused. */
const MAX_ALIAS_COUNT = 100;

export const CONFIG_FILE_NAMES = ['nhi.config.yaml', 'nhi.config.yml', 'nhi.config.json'] as const;

export interface LoadedConfig {
  /** Absolute path of the file read; null when no file was found (defaults). */
  path: string | null;
  providers: Record<ProviderId, Record<string, unknown>>;
  policy: Policy;
  playbooks: { deleteAfterDays: number; overlapDays: number };
  owners: OwnersConfig;
  /** catalog.retention; null: the catalog keeps every scan. */
  retention: { runs?: number; days?: number } | null;
}

export interface OwnersConfig {
  map: OwnershipRule[];
  /** null: playbooks notify nobody. */
  notify: NotifyConfig | null;
}

/** `owners.notify`: the channel owners are told through before a playbook changes anything. */
export interface NotifyConfig {
  channel: 'webhook' | 'github-issue';
  webhookEnv: string;
  /** github-issue: the repository used when the credential and the map name none. */
  repo: string | null;
  noticeDays: number;
}

export function defaultConfig(): LoadedConfig {
  return {
    path: null,
    providers: Object.fromEntries(PROVIDER_IDS.map((p) => [p, {}])) as LoadedConfig['providers'],
    policy: { rules: {}, exceptions: [] },
    playbooks: { deleteAfterDays: DEFAULT_DELETE_AFTER_DAYS, overlapDays: DEFAULT_OVERLAP_DAYS },
    owners: { map: [], notify: null },
    retention: null,
  };
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** `--config` path if given (must exist), else the first nhi.config.* in cwd, else defaults. */
export async function loadConfig(opts: {
  path?: string | undefined;
  cwd: string;
}): Promise<LoadedConfig> {
  if (opts.path !== undefined) {
    const file = resolve(opts.cwd, opts.path);
    let text: string | null;
    try {
      text = await readIfExists(file);
    } catch (e) {
      throw new ConfigError(
        opts.path,
        null,
        null,
        `cannot read config file (${(e as Error).message})`,
      );
    }
    if (text === null) throw new ConfigError(opts.path, null, null, 'config file not found');
    return parseConfig(text, file, displayName(file, opts.cwd));
  }
  for (const name of CONFIG_FILE_NAMES) {
    const file = join(opts.cwd, name);
    const text = await readIfExists(file);
    if (text !== null) return parseConfig(text, file, name);
  }
  return defaultConfig();
}

function displayName(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

type Path = readonly (string | number)[];

/** The YAML node best matching a path: the key itself for unknown keys, else the value. */
function locate(doc: Document, path: Path, unknownKey?: string): number | null {
  for (let n = path.length; n >= 0; n -= 1) {
    const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as
      Node | null | undefined;
    if (!node) continue;
    if (n === path.length && unknownKey !== undefined && isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === unknownKey,
      );
      const key = pair?.key as Node | undefined;
      if (key?.range) return key.range[0];
    }
    if (node.range) return node.range[0];
  }
  return null;
}

function knownKeys(path: Path, ctx: SchemaContext): readonly string[] | null {
  const [head, rule, section] = path;
  if (path.length === 0) return Object.keys(ctx.schema.shape);
  if (head === 'rules' && path.length === 1) return RULES.map((r) => r.id);
  if (head === 'providers' && path.length === 1) return PROVIDER_IDS;
  if (head === 'providers' && path.length === 2 && typeof rule === 'string') {
    const decl = ctx.decls.get(rule as ProviderId);
    return decl ? Object.keys(decl.schema.shape) : null;
  }
  if (head === 'playbooks' && path.length === 1) return ['deleteAfterDays', 'overlapDays'];
  if (head === 'catalog' && path.length === 1) return ['retention'];
  if (head === 'catalog' && path.length === 2) return ['runs', 'days'];
  if (head === 'owners' && path.length === 1) return ['map', 'notify'];
  if (head === 'owners' && path[1] === 'notify' && path.length === 2)
    return ['channel', 'repo', 'webhookEnv', 'noticeDays'];
  if (head === 'owners' && path[1] === 'map' && path.length === 3)
    return ['match', 'owner', 'team', 'purpose', 'repo'];
  if (head === 'owners' && path[1] === 'map' && path.length === 4)
    return ['provider', 'scope', 'name', 'path', 'tag', 'kind', 'id'];
  if (head === 'exceptions' && path.length === 2)
    return ['rule', 'id', 'provider', 'scope', 'reason', 'expires'];
  const r = head === 'rules' && typeof rule === 'string' ? findRule(rule) : undefined;
  if (!r) return null;
  const options = Object.keys(r.options.shape as object);
  if (path.length === 2) return [...RULE_ENTRY_KEYS, ...options];
  if (section === 'providers' && path.length === 3) return PROVIDER_IDS;
  if (path.length === 3 || path.length === 4) return ['enabled', 'severity', ...options];
  return null;
}

function dotted(path: Path): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : p))
    .join('.')
    .replace(/\.\[/g, '[');
}

function describeIssue(
  issue: z.core.$ZodIssue,
  ctx: SchemaContext,
): { path: Path; key?: string; reason: string } {
  const path = issue.path as Path;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const known = knownKeys(path, ctx);
    const what =
      path.length === 1 && path[0] === 'rules'
        ? 'unknown rule'
        : path.length === 1 && path[0] === 'providers'
          ? 'unknown provider'
          : path.length === 2 && path[0] === 'providers'
            ? 'unknown option'
            : 'unknown key';
    return {
      path,
      key,
      reason: `${dotted([...path, key])}: ${what}${known ? ` (known: ${known.join(', ')})` : ''}`,
    };
  }
  const where = dotted(path);
  const message =
    issue.code === 'invalid_type' && / received undefined$/.test(issue.message)
      ? `required (${issue.expected})`
      : issue.message;
  return { path, reason: `${where || '(top level)'}: ${message}` };
}

function toOverride(raw: Record<string, unknown>): RuleOverride {
  const { enabled, severity, providers: _p, scopes: _s, tags: _t, ...options } = raw;
  const o: RuleOverride = {};
  if (typeof enabled === 'boolean') o.enabled = enabled;
  if (typeof severity === 'string') o.severity = severity as RuleOverride['severity'];
  if (Object.keys(options).length > 0) o.options = options;
  return o;
}

function toPolicy(cfg: ConfigFile, sourceOf: (index: number) => string): Policy {
  const rules: Record<string, RulePolicy> = {};
  for (const [id, entry] of Object.entries(cfg.rules ?? {})) {
    if (!entry) continue;
    const e = entry as Record<string, unknown>;
    const rp: RulePolicy = toOverride(e);
    const mapOverrides = (v: unknown) =>
      Object.fromEntries(
        Object.entries((v ?? {}) as Record<string, Record<string, unknown> | undefined>)
          .filter(([, o]) => o)
          .map(([k, o]) => [k, toOverride(o!)]),
      );
    if (e.providers) rp.providers = mapOverrides(e.providers);
    if (e.scopes) rp.scopes = mapOverrides(e.scopes);
    if (e.tags) rp.tags = mapOverrides(e.tags);
    rules[id] = rp;
  }
  const exceptions: PolicyException[] = (cfg.exceptions ?? []).map((x, i) => {
    const e: PolicyException = { reason: x.reason, expires: x.expires, source: sourceOf(i) };
    if (x.rule !== undefined) e.rule = x.rule;
    if (x.id !== undefined) e.id = x.id;
    if (x.provider !== undefined) e.provider = x.provider as ProviderId;
    if (x.scope !== undefined) e.scope = x.scope;
    return e;
  });
  return { rules, exceptions };
}

/**
 * Parses config text (YAML or JSON). Pure apart from building the error.
 * @param file absolute path recorded in the result
 * @param label how the file is named in messages (relative to cwd when inside it)
 */
export async function parseConfig(
  text: string,
  file: string,
  label: string = file,
): Promise<LoadedConfig> {
  const ctx = await configSchema();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | null) => (offset === null ? null : lineCounter.linePos(offset));
  const error = doc.errors[0];
  if (error) {
    const pos = at(error.pos[0]);
    const reason = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(
      label,
      pos?.line ?? null,
      pos?.col ?? null,
      `invalid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${reason}`,
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (e) {
    // yaml refuses aliases that expand exponentially ("billion laughs"): the file's fault.
    if (!(e instanceof ReferenceError) || !/alias/i.test(e.message)) throw e;
    throw new ConfigError(
      label,
      null,
      null,
      `invalid YAML: aliases expand to more than ${MAX_ALIAS_COUNT} nodes (an alias bomb?)`,
    );
  }
  const parsed = ctx.schema.safeParse(raw);
  if (!parsed.success) {
    // The most specific problem first (a bad date before the object-level check), then by position.
    const issue = [...parsed.error.issues].sort(
      (a, b) =>
        b.path.length - a.path.length ||
        (locate(doc, a.path as Path) ?? 0) - (locate(doc, b.path as Path) ?? 0),
    )[0]!;
    const { path, key, reason } = describeIssue(issue, ctx);
    const pos = at(locate(doc, path, key));
    throw new ConfigError(label, pos?.line ?? null, pos?.col ?? null, reason);
  }
  const cfg = parsed.data;
  const providers = defaultConfig().providers;
  for (const p of PROVIDER_IDS) {
    const section = cfg.providers?.[p];
    if (section) providers[p] = section;
  }
  const sourceOf = (i: number) => {
    const pos = at(locate(doc, ['exceptions', i]));
    return pos ? `${label}:${pos.line}:${pos.col}` : label;
  };
  const ownersMap: OwnershipRule[] = (cfg.owners?.map ?? []).map((r, i) => {
    const pos = at(locate(doc, ['owners', 'map', i]));
    return {
      ...r,
      match: r.match as OwnershipRule['match'],
      source: pos ? `${label}:${pos.line}:${pos.col}` : label,
    };
  });
  const notify = cfg.owners?.notify;
  return {
    path: file,
    providers,
    owners: {
      map: ownersMap,
      notify: notify
        ? {
            channel: notify.channel ?? 'webhook',
            repo: notify.repo ?? null,
            webhookEnv: notify.webhookEnv ?? DEFAULT_WEBHOOK_ENV,
            noticeDays: notify.noticeDays ?? PLAYBOOK_LIMITS.noticeDays.default,
          }
        : null,
    },
    policy: toPolicy(cfg, sourceOf),
    playbooks: {
      deleteAfterDays: cfg.playbooks?.deleteAfterDays ?? DEFAULT_DELETE_AFTER_DAYS,
      overlapDays: cfg.playbooks?.overlapDays ?? DEFAULT_OVERLAP_DAYS,
    },
    retention: retentionOf(cfg.catalog?.retention),
  };
}

/** A retention setting that limits something, or null (an empty one keeps everything). */
function retentionOf(r: { runs?: number; days?: number } | null | undefined) {
  if (!r || (r.runs === undefined && r.days === undefined)) return null;
  return {
    ...(r.runs !== undefined ? { runs: r.runs } : {}),
    ...(r.days !== undefined ? { days: r.days } : {}),
  };
}
