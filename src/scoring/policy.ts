/**
 * The policy: what the config file says about rules and exceptions, already validated.
 * Resolution order for one subject (later wins):
 *   rule schema defaults < built-in provider defaults < rules.<id> < rules.<id>.providers.<p>
 *   < rules.<id>.scopes.<scope id or name> < rules.<id>.tags.<key=value | key>
 */
import type { ProviderId, Severity, StoredIdentity } from '../model/index.js';
import type { AnyRule } from './types.js';
import { globMatch } from './glob.js';

export interface RuleOverride {
  enabled?: boolean;
  severity?: Severity;
  /** Partial options (thresholds), validated against the rule's schema by the config loader. */
  options?: Record<string, unknown>;
}

export interface RulePolicy extends RuleOverride {
  providers?: Partial<Record<ProviderId, RuleOverride>>;
  /** Keyed by scope id or scope name; glob patterns (`*`, `?`) allowed. */
  scopes?: Record<string, RuleOverride>;
  /** Keyed by `key=value` (exact tag) or `key` (tag present); applied in file order. */
  tags?: Record<string, RuleOverride>;
}

export interface PolicyException {
  /** Rule id; omitted = every rule. */
  rule?: string;
  /** Short id (`c-…`, `i-…`) or external id of the credential or identity; glob allowed. */
  id?: string;
  provider?: ProviderId;
  /** Scope id or name; glob allowed. */
  scope?: string;
  reason: string;
  /** ISO date (`2027-01-31`, valid through that day, UTC) or date-time. */
  expires: string;
  /** Where it was written, e.g. `nhi.config.yaml:12:5`, for reports. */
  source?: string;
}

export interface Policy {
  rules: Record<string, RulePolicy>;
  exceptions: PolicyException[];
}

export function defaultPolicy(): Policy {
  return { rules: {}, exceptions: [] };
}

export interface ResolvedRuleSettings<O = Record<string, unknown>> {
  enabled: boolean;
  severity: Severity;
  options: O;
}

function tagMatches(key: string, tags: Record<string, string>): boolean {
  const eq = key.indexOf('=');
  if (eq === -1) return Object.hasOwn(tags, key);
  const k = key.slice(0, eq);
  return Object.hasOwn(tags, k) && tags[k] === key.slice(eq + 1);
}

/** Layers that apply to this identity, least specific first. */
function layers(rp: RulePolicy | undefined, identity: StoredIdentity): RuleOverride[] {
  if (!rp) return [];
  const out: RuleOverride[] = [rp];
  const byProvider = rp.providers?.[identity.provider];
  if (byProvider) out.push(byProvider);
  for (const [pattern, o] of Object.entries(rp.scopes ?? {})) {
    if (globMatch(pattern, identity.scopeId) || globMatch(pattern, identity.scopeName)) out.push(o);
  }
  for (const [key, o] of Object.entries(rp.tags ?? {})) {
    if (tagMatches(key, identity.tags ?? {})) out.push(o);
  }
  return out;
}

const defaultsCache = new WeakMap<AnyRule, Record<string, unknown>>();

function ruleDefaults(rule: AnyRule): Record<string, unknown> {
  let d = defaultsCache.get(rule);
  if (!d) {
    d = rule.options.parse({}) as Record<string, unknown>;
    defaultsCache.set(rule, d);
  }
  return d;
}

export function resolveRuleSettings(
  rule: AnyRule,
  policy: Policy,
  identity: StoredIdentity,
): ResolvedRuleSettings {
  // Copied (arrays too) so a rule cannot mutate the shared defaults.
  const defaults = structuredClone(ruleDefaults(rule));
  const settings: ResolvedRuleSettings = {
    enabled: true,
    severity: rule.severity,
    options: { ...defaults, ...(rule.providerDefaults[identity.provider] ?? {}) },
  };
  for (const layer of layers(policy.rules[rule.id], identity)) {
    if (layer.enabled !== undefined) settings.enabled = layer.enabled;
    if (layer.severity !== undefined) settings.severity = layer.severity;
    if (layer.options) Object.assign(settings.options, layer.options);
  }
  return settings;
}

/** The instant an exception stops applying: a bare date is valid through that whole UTC day. */
export function exceptionExpiry(exception: PolicyException): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(exception.expires)) {
    return new Date(Date.parse(`${exception.expires}T00:00:00Z`) + 86_400_000);
  }
  return new Date(exception.expires);
}
