/**
 * The config file's schema, generated from the rule registry: each rule's options schema
 * (thresholds) is reused, so a new rule or option is validated, documented in the JSON Schema
 * and shown by `nhi init` without touching this file.
 */
import { z } from 'zod';
import type { ProviderId } from '../model/index.js';
import { PLAYBOOK_LIMITS, PROVIDER_IDS, SEVERITIES } from '../model/index.js';
import type { OptionsDecl } from '../connector/index.js';
import { RULES } from '../scoring/rules/index.js';
import type { AnyRule } from '../scoring/types.js';

export { PROVIDER_IDS };

/** Every provider's declared options: what the config file's `providers` section accepts. */
export type ProviderOptionDecls = ReadonlyMap<ProviderId, OptionsDecl>;

/** Keys a rule entry or override may hold besides the rule's own options. */
export const OVERRIDE_KEYS = ['enabled', 'severity'] as const;
export const RULE_ENTRY_KEYS = [...OVERRIDE_KEYS, 'providers', 'scopes', 'tags'] as const;

const severity = z.enum(SEVERITIES as [string, ...string[]]).describe('Severity override');

/** The rule's options, every one optional and without its default (unset = inherited). */
function partialOptions(rule: AnyRule): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(rule.options.shape as Record<string, z.ZodType>)) {
    const inner = field instanceof z.ZodDefault ? (field.def.innerType as z.ZodType) : field;
    const description = field.description ?? inner.description;
    const defaultValue = field instanceof z.ZodDefault ? field.def.defaultValue : undefined;
    let opt = inner.optional();
    if (description)
      opt = opt.describe(`${description} (default: ${JSON.stringify(defaultValue)})`);
    shape[key] = opt;
  }
  return shape;
}

export function overrideSchema(rule: AnyRule) {
  return z
    .object({
      enabled: z.boolean().optional().describe('Switch the rule on or off'),
      severity: severity.optional(),
      ...partialOptions(rule),
    })
    .strict();
}

export function ruleEntrySchema(rule: AnyRule) {
  const override = overrideSchema(rule);
  return z
    .object({
      ...override.shape,
      providers: z
        .object(Object.fromEntries(PROVIDER_IDS.map((p) => [p, override.optional()])))
        .strict()
        .optional()
        .describe('Overrides per provider'),
      scopes: z
        .record(z.string(), override)
        .optional()
        .describe('Overrides per scope id or name (glob allowed); beat provider overrides'),
      tags: z
        .record(z.string(), override)
        .optional()
        .describe('Overrides per identity tag, keyed `key=value` or `key`; beat scope overrides'),
    })
    .strict()
    .describe(`${rule.title}. ${rule.description}`);
}

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/, {
    message: 'expected a date like 2027-01-31 or 2027-01-31T12:00:00Z',
  })
  .refine((s) => !Number.isNaN(Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s)), {
    message: 'not a real date',
  });

const ruleId = z.string().refine((id) => RULES.some((r) => r.id === id), {
  error: () => `unknown rule (known: ${RULES.map((r) => r.id).join(', ')})`,
});

export const exceptionSchema = z
  .object({
    rule: ruleId.optional().describe('Rule id; omit to match every rule'),
    id: z
      .string()
      .min(1)
      .optional()
      .describe('Credential or identity: short id (c-…, i-…) or external id; glob (*, ?) allowed'),
    provider: z.enum(PROVIDER_IDS as [string, ...string[]]).optional(),
    scope: z.string().min(1).optional().describe('Scope id or name; glob allowed'),
    reason: z
      .string()
      .trim()
      .min(1, { message: 'a reason is required' })
      .describe('Why the risk is accepted'),
    expires: isoDate.describe('Date the exception stops applying (valid through that UTC day)'),
  })
  .strict()
  .refine((e) => e.rule !== undefined || e.id !== undefined, {
    message: 'an exception needs at least a rule or an id',
  });

/**
 * A provider's section: its declared options, every one optional (defaults apply when the
 * connector parses the merged section and flags), unknown keys refused.
 */
function providerSection(provider: ProviderId, decl: OptionsDecl | undefined) {
  if (!decl) return z.object({}).strict();
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(decl.schema.shape)) {
    const inner = field instanceof z.ZodDefault ? (field.def.innerType as z.ZodType) : field;
    const description = field.description ?? inner.description;
    const defaultValue = field instanceof z.ZodDefault ? field.def.defaultValue : undefined;
    let opt = inner.optional();
    if (description)
      opt = opt.describe(
        defaultValue === undefined
          ? description
          : `${description} (default: ${JSON.stringify(defaultValue)})`,
      );
    shape[key] = opt;
  }
  return z.object(shape).strict().describe(`${provider} connector options`);
}

const REPO_NAME = /^[\w.-]+\/[\w.-]+$/;

const ownershipRule = z
  .object({
    match: z
      .object({
        provider: z.enum(PROVIDER_IDS as [string, ...string[]]).optional(),
        scope: z.string().min(1).optional().describe('Scope id or name; glob allowed'),
        name: z.string().min(1).optional().describe('Identity name; glob allowed'),
        path: z
          .string()
          .min(1)
          .optional()
          .describe('IAM path such as /service/data/*; glob allowed'),
        tag: z
          .string()
          .min(1)
          .optional()
          .describe('Identity tag `key=value` (value may be a glob) or `key`'),
        kind: z.string().min(1).optional().describe('Identity kind: user, role, service-account…'),
        id: z
          .string()
          .min(1)
          .optional()
          .describe('Identity external id (ARN, object id, e-mail); glob allowed'),
      })
      .strict()
      .describe('Every pattern given must match'),
    owner: z.string().trim().min(1).optional().describe('Person or account answering for it'),
    team: z.string().trim().min(1).optional().describe('Team answering for it'),
    purpose: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe('What it is for (overrides descriptions)'),
    repo: z
      .string()
      .regex(REPO_NAME, { message: 'a repository as owner/name' })
      .optional()
      .describe(
        'Repository (owner/name) whose issues tell the owner (notify channel github-issue)',
      ),
  })
  .strict()
  .refine(
    (r) =>
      r.owner !== undefined ||
      r.team !== undefined ||
      r.purpose !== undefined ||
      r.repo !== undefined,
    { message: 'a map entry needs an owner, a team, a purpose or a repo' },
  );

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const DEFAULT_WEBHOOK_ENV = 'NHI_NOTIFY_WEBHOOK';

const ownersSection = z
  .object({
    map: z
      .array(ownershipRule)
      .nullable()
      .optional()
      .describe('Ownership rules, CODEOWNERS-style: the last matching rule wins'),
    notify: z
      .object({
        channel: z
          .enum(['webhook', 'github-issue'])
          .optional()
          .describe(
            'How owners are told: a JSON POST to a webhook, or an issue opened in the owning GitHub repository (default: webhook)',
          ),
        repo: z
          .string()
          .regex(REPO_NAME, { message: 'a repository as owner/name' })
          .optional()
          .describe(
            "github-issue: the repository (owner/name) used when neither the credential's repository nor an owners.map entry names one",
          ),
        webhookEnv: z
          .string()
          .regex(ENV_NAME, { message: 'an environment variable name' })
          .optional()
          .describe(
            `Environment variable holding the webhook URL (Slack/Teams incoming webhook or any JSON endpoint; a secret, so never in this file) (default: ${DEFAULT_WEBHOOK_ENV})`,
          ),
        noticeDays: z
          .number()
          .int()
          .min(PLAYBOOK_LIMITS.noticeDays.min)
          .max(PLAYBOOK_LIMITS.noticeDays.max)
          .optional()
          .describe(
            `Days between the notice and the first change, ${PLAYBOOK_LIMITS.noticeDays.min}-${PLAYBOOK_LIMITS.noticeDays.max} (default: ${PLAYBOOK_LIMITS.noticeDays.default})`,
          ),
      })
      .strict()
      .nullable()
      .optional()
      .describe('Tell a credential’s owner before revoke/rotate changes it (off when absent)'),
  })
  .strict()
  .nullable()
  .optional()
  .describe('Who answers for each identity, and notices before playbooks act');

export function buildConfigSchema(providerOptions: ProviderOptionDecls) {
  return z
    .object({
      $schema: z.string().optional(),
      providers: z
        .object(
          Object.fromEntries(
            PROVIDER_IDS.map((p) => [
              p,
              providerSection(p, providerOptions.get(p))
                .nullable()
                .optional()
                .describe(`${p} connector options (see connectors/${p}/README.md)`),
            ]),
          ),
        )
        .strict()
        .nullable()
        .optional()
        .describe('Connector options per provider (command-line flags override them)'),
      rules: z
        .object(
          Object.fromEntries(RULES.map((r) => [r.id, ruleEntrySchema(r).nullable().optional()])),
        )
        .strict()
        .nullable()
        .optional()
        .describe('Rule thresholds, switches and severity overrides'),
      exceptions: z
        .array(exceptionSchema)
        .nullable()
        .optional()
        .describe('Accepted risks, each with a reason and an expiry'),
      playbooks: z
        .object({
          deleteAfterDays: z
            .number()
            .int()
            .min(PLAYBOOK_LIMITS.deleteAfterDays.min)
            .max(PLAYBOOK_LIMITS.deleteAfterDays.max)
            .optional()
            .describe(
              `Days between disabling a credential and deleting it, ${PLAYBOOK_LIMITS.deleteAfterDays.min}-${PLAYBOOK_LIMITS.deleteAfterDays.max} (default: ${PLAYBOOK_LIMITS.deleteAfterDays.default})`,
            ),
          overlapDays: z
            .number()
            .int()
            .min(PLAYBOOK_LIMITS.overlapDays.min)
            .max(PLAYBOOK_LIMITS.overlapDays.max)
            .optional()
            .describe(
              `Rotation: days the old credential stays active at most, waiting for the new one to be used, ${PLAYBOOK_LIMITS.overlapDays.min}-${PLAYBOOK_LIMITS.overlapDays.max} (default: ${PLAYBOOK_LIMITS.overlapDays.default}; 0 = retire it at once)`,
            ),
        })
        .strict()
        .nullable()
        .optional(),
      owners: ownersSection,
      catalog: z
        .object({
          retention: z
            .object({
              runs: z
                .number()
                .int()
                .min(1)
                .optional()
                .describe('Keep at least the newest n scans (older ones may be pruned)'),
              days: z
                .number()
                .int()
                .min(1)
                .optional()
                .describe('Keep scans younger than this many days'),
            })
            .strict()
            .nullable()
            .optional()
            .describe(
              'Applied at the end of every scan (like nhi prune): a scan is removed when it is outside every limit given',
            ),
        })
        .strict()
        .nullable()
        .optional()
        .describe('Catalog housekeeping'),
    })
    .strict();
}

export type ConfigSchema = ReturnType<typeof buildConfigSchema>;

export type ConfigFile = z.infer<ConfigSchema>;

export const DEFAULT_DELETE_AFTER_DAYS = PLAYBOOK_LIMITS.deleteAfterDays.default;
export const DEFAULT_OVERLAP_DAYS = PLAYBOOK_LIMITS.overlapDays.default;
