/**
 * The privilege rules share one evaluation: classify the subject's grants (inline and
 * attached alike, credential-bound grants on their credential), then report the rule's class
 * with the exact actions or roles as evidence. A grant nhi cannot classify from what the
 * connector recorded makes the subject "not evaluated" for that class, never clean.
 */
import { z } from 'zod';
import type { StoredGrant } from '../../model/index.js';
import type { OptionsSchema, RuleContext, RuleDefinition, RuleHit } from '../types.js';
import { globMatch } from '../glob.js';
import {
  analysePrivileges,
  type PrivilegeClass,
  type PrivilegeHit,
  type SubjectPrivileges,
} from '../privilege/index.js';
import { fail, notEvaluated } from './_helpers.js';
import { grantSubjects } from './_grants.js';

export const GRANT_HOLDERS = new Set([
  'user',
  'role',
  'group',
  'application',
  'service-principal',
  'managed-identity',
  'service-account',
]);

export const GRANT_SIGNALS = [
  'authorization-details',
  'managed-policies',
  'project-iam-policy',
  'organization-iam-policy',
  'folder-iam-policy',
  'azure-rbac',
];

/** The first few names, then how many more: the evidence lists them all. */
function listed(names: readonly string[], more: string): string {
  return names.length > 3
    ? `${names.slice(0, 3).join('; ')} and ${names.length - 3} ${more}`
    : names.join('; ');
}

/** Which grant: enough to find it in the provider (the action list is in `allows`). */
function grantRef(g: StoredGrant): Record<string, unknown> {
  return { permission: g.permission, resource: g.resource, source: g.source };
}

export const ignorePermissionsOption = z
  .array(z.string())
  .default([])
  .describe(
    'Permissions, actions or roles (glob) never counted, e.g. "logs:*" or "roles/run.admin"',
  );

function ignored(patterns: readonly string[], value: string): boolean {
  return patterns.some(
    (p) => globMatch(p, value) || globMatch(p.toLowerCase(), value.toLowerCase()),
  );
}

/**
 * The six rules read one classification per subject: cached per evaluation (keyed by the
 * evaluation's grant list) and per subject, unless a rule ignores some permissions.
 */
const cache = new WeakMap<readonly StoredGrant[], Map<StoredGrant, SubjectPrivileges>>();

function analysed(
  all: readonly StoredGrant[],
  grants: StoredGrant[],
  provider: StoredGrant['provider'],
  ignore: readonly string[],
): SubjectPrivileges {
  if (ignore.length > 0)
    return analysePrivileges(
      provider,
      grants.filter((g) => !ignored(ignore, g.permission)),
    );
  let perSubject = cache.get(all);
  if (!perSubject) cache.set(all, (perSubject = new Map()));
  // A subject's first grant identifies it: grants belong to exactly one subject.
  const key = grants[0]!;
  let result = perSubject.get(key);
  if (!result) perSubject.set(key, (result = analysePrivileges(provider, grants)));
  return result;
}

/** Hits of one class, minus what the policy says to ignore. */
function hitsOf(
  cls: PrivilegeClass,
  all: readonly StoredGrant[],
  grants: StoredGrant[],
  provider: StoredGrant['provider'],
  ignore: readonly string[],
  keep: (h: PrivilegeHit) => boolean,
) {
  const analysis = analysed(all, grants, provider, ignore);
  const mine = analysis.hits.filter((h) => h.class === cls && keep(h));
  const hits =
    ignore.length === 0
      ? mine
      : mine
          .map((h) => ({
            ...h,
            allows: h.allows.filter((a) => !ignored(ignore, a.split(' ')[0]!)),
          }))
          .filter((h) => h.allows.length > 0);
  const undetermined = analysis.undetermined.filter((u) => u.classes.includes(cls));
  return { hits, undetermined };
}

export interface PrivilegeRuleSpec<S extends OptionsSchema> extends Omit<
  RuleDefinition<S>,
  'evaluate' | 'signals'
> {
  privilegeClass: PrivilegeClass;
  /** What the subject can do, for the message: "can change IAM permissions". */
  verb: string;
  /** Extra filter on hits from the rule's options. */
  keep?: (hit: PrivilegeHit, options: z.infer<S>) => boolean;
}

export function privilegeRule<S extends OptionsSchema>(
  spec: PrivilegeRuleSpec<S>,
): RuleDefinition<S> {
  const { privilegeClass: cls, verb, keep, ...meta } = spec;
  return {
    ...meta,
    signals: GRANT_SIGNALS,
    *evaluate(ctx: RuleContext<z.infer<S>>): Generator<RuleHit> {
      // Where permissions could not be read, identities that should hold grants are "not evaluated".
      for (const identity of ctx.identities) {
        if (!GRANT_HOLDERS.has(identity.kind) || ctx.grantsOf(identity).length > 0) continue;
        if (ctx.gap(identity))
          yield notEvaluated(ctx, identity, undefined, 'permissions could not be read');
      }
      for (const { identity, credential, grants } of grantSubjects(ctx)) {
        // Service-linked roles' policies belong to the provider and cannot be changed.
        if (identity.attributes.serviceLinked === true) continue;
        const options = ctx.options(identity);
        const ignore = (options as { ignorePermissions?: string[] }).ignorePermissions ?? [];
        const { hits, undetermined } = hitsOf(
          cls,
          ctx.grants,
          grants,
          identity.provider,
          ignore,
          (h) => (keep ? keep(h, options) : true),
        );
        const subject = `${credential ? `${credential.type} ${credential.externalId} of ` : ''}${identity.name}`;
        if (hits.length === 0) {
          if (undetermined.length > 0) {
            yield notEvaluated(
              ctx,
              identity,
              credential,
              undetermined.map((u) => u.reason).join('; '),
              {
                grants: undetermined.map((u) => grantRef(u.grant)),
              },
            );
          }
          continue;
        }
        const allows = [...new Set(hits.flatMap((h) => h.allows))];
        const paths = hits.flatMap((h) => (h.path ? [h.path] : []));
        const existing = hits.flatMap((h) => (h.path && h.existing ? [h.path] : []));
        const usedGrants = [...new Set(hits.flatMap((h) => h.grants))];
        yield fail(
          identity,
          credential,
          `${subject} ${verb}: ${listed(paths.length ? paths : allows, paths.length ? 'paths' : 'more')}`,
          {
            allows,
            ...(paths.length ? { paths } : {}),
            ...(existing.length ? { needsExistingResource: existing } : {}),
            grants: usedGrants.map(grantRef),
            ...(undetermined.length
              ? {
                  notEvaluated: undetermined.map((u) => ({
                    ...grantRef(u.grant),
                    reason: u.reason,
                  })),
                }
              : {}),
          },
        );
      }
    },
  };
}
