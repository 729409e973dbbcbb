/**
 * Google's REST payloads as zod schemas, parsed at the edge (client.ts) with the kit's
 * `parsePayload`: a document that is not the one asked for fails the scope, never reads as
 * "none". IAM payloads are checked against @googleapis/iam's own types (type-only, below);
 * Resource Manager v3, Policy Analyzer v1, Recommender v1 and API Keys v2 follow Google's
 * REST reference (no standalone typed package exists for them).
 */
import type { iam_v1 } from '@googleapis/iam';
import { z } from 'zod';

const str = z.string();
const optStr = z.string().nullish();

/** Compile-time check that a parsed payload is what the SDK says the API returns. */
type Conforms<Parsed extends Sdk, Sdk> = Parsed;

/**
 * A list page. Google omits an empty list (`{}` is "no items"), so the list field is
 * optional; a document that has neither the list nor only the page's own fields (an error
 * page's JSON, another API's answer) is not the page asked for.
 */
function page<S extends z.ZodRawShape>(shape: S) {
  const known = new Set(Object.keys(shape));
  return z.looseObject(shape).superRefine((doc, ctx) => {
    const record = doc as Record<string, unknown>;
    const listed = [...known].some((k) => k !== 'nextPageToken' && record[k] != null);
    if (listed) return;
    const foreign = Object.keys(record).filter((k) => !known.has(k));
    if (foreign.length)
      ctx.addIssue({
        code: 'custom',
        message: `not the document asked for (no ${[...known].join('/')}, but ${foreign.slice(0, 3).join(', ')})`,
      });
  });
}

/* ----- IAM v1 (service accounts and their keys) ----- */

export const serviceAccountSchema = z.object({
  name: str,
  email: str,
  uniqueId: optStr,
  displayName: optStr,
  description: optStr,
  disabled: z.boolean().nullish(),
  oauth2ClientId: optStr,
  projectId: optStr,
});
export type RawServiceAccount = Conforms<
  z.infer<typeof serviceAccountSchema>,
  iam_v1.Schema$ServiceAccount
>;

export const serviceAccountKeySchema = z.object({
  name: str,
  keyType: optStr,
  keyOrigin: optStr,
  keyAlgorithm: optStr,
  validAfterTime: optStr,
  validBeforeTime: optStr,
  disabled: z.boolean().nullish(),
  disableReason: optStr,
  extendedStatus: z.array(z.object({ key: optStr, value: optStr })).optional(),
});
export type RawServiceAccountKey = Conforms<
  z.infer<typeof serviceAccountKeySchema>,
  iam_v1.Schema$ServiceAccountKey
>;

/** Only a create answers with the private key, once (base64 of the credentials file). */
export const createdKeySchema = serviceAccountKeySchema.extend({
  privateKeyData: z.string().min(1),
});

export const listServiceAccountsSchema = page({
  accounts: z.array(serviceAccountSchema).optional(),
  nextPageToken: optStr,
});
export const listKeysSchema = page({ keys: z.array(serviceAccountKeySchema).optional() });

/** IAM calls that answer an empty object (keys.disable, keys.enable, keys.delete). */
export const emptySchema = z.object({}).strict();

/* ----- Cloud Resource Manager v3 ----- */

export const projectSchema = z.object({
  name: str, // projects/{number}
  projectId: str,
  displayName: optStr,
  parent: optStr,
  state: optStr,
  createTime: optStr,
  labels: z.record(z.string(), z.string()).nullish(),
});
export type RawProject = z.infer<typeof projectSchema>;
export const listProjectsSchema = page({
  projects: z.array(projectSchema).optional(),
  nextPageToken: optStr,
});

export const folderSchema = z.object({
  name: str, // folders/{id}
  displayName: optStr,
  parent: optStr,
  state: optStr,
});
export type RawFolder = z.infer<typeof folderSchema>;
export const listFoldersSchema = page({
  folders: z.array(folderSchema).optional(),
  nextPageToken: optStr,
});

/** getIamPolicy always answers an etag, even for a policy without bindings. */
export const policySchema = z.object({
  version: z.number().nullish(),
  etag: str,
  bindings: z
    .array(
      z.object({
        role: str,
        members: z.array(str).nullish(),
        condition: z.object({ title: optStr, description: optStr, expression: optStr }).optional(),
      }),
    )
    .optional(),
});
export type RawPolicy = Conforms<z.infer<typeof policySchema>, iam_v1.Schema$Policy>;

/** projects.testIamPermissions: Google omits `permissions` when none is held. */
export const testIamPermissionsSchema = page({ permissions: z.array(str).optional() });

/* ----- Policy Analyzer v1 ----- */

export const activitySchema = z.object({
  fullResourceName: optStr,
  activityType: optStr,
  observationPeriod: z.object({ startTime: optStr, endTime: optStr }).nullish(),
  activity: z
    .looseObject({
      lastAuthenticatedTime: optStr,
      serviceAccount: z.object({ fullResourceName: optStr, serviceAccountId: optStr }).nullish(),
      serviceAccountKey: z.object({ fullResourceName: optStr, serviceAccountId: optStr }).nullish(),
    })
    .nullish(),
});
export type RawActivity = z.infer<typeof activitySchema>;
export const queryActivitiesSchema = page({
  activities: z.array(activitySchema).optional(),
  nextPageToken: optStr,
});

/* ----- Recommender v1 ----- */

const operationSchema = z.object({
  action: optStr,
  resource: optStr,
  resourceType: optStr,
  path: optStr,
  value: z.unknown().optional(),
  pathFilters: z.record(z.string(), z.unknown()).nullish(),
});
export const recommendationSchema = z.object({
  name: str,
  etag: optStr,
  description: optStr,
  recommenderSubtype: optStr,
  lastRefreshTime: optStr,
  priority: optStr,
  stateInfo: z.object({ state: optStr }).nullish(),
  content: z
    .object({
      operationGroups: z
        .array(z.object({ operations: z.array(operationSchema).nullish() }))
        .nullish(),
    })
    .nullish(),
});
export type RawRecommendation = z.infer<typeof recommendationSchema>;
export const listRecommendationsSchema = page({
  recommendations: z.array(recommendationSchema).optional(),
  nextPageToken: optStr,
});

/* ----- API Keys v2 ----- */

/** API restrictions: the services (and optionally methods) a key may call. */
export const apiTargetSchema = z.object({ service: str, methods: z.array(str).optional() });
export type RawApiTarget = z.infer<typeof apiTargetSchema>;

export const apiKeyRestrictionsSchema = z.looseObject({
  browserKeyRestrictions: z.object({ allowedReferrers: z.array(str).optional() }).optional(),
  serverKeyRestrictions: z.object({ allowedIps: z.array(str).optional() }).optional(),
  androidKeyRestrictions: z
    .object({
      allowedApplications: z
        .array(z.object({ sha1Fingerprint: optStr, packageName: optStr }))
        .optional(),
    })
    .optional(),
  iosKeyRestrictions: z.object({ allowedBundleIds: z.array(str).optional() }).optional(),
  apiTargets: z.array(apiTargetSchema).optional(),
});

export const apiKeySchema = z.object({
  name: str, // projects/{number}/locations/global/keys/{uid}
  uid: optStr,
  displayName: optStr,
  createTime: optStr,
  updateTime: optStr,
  deleteTime: optStr,
  serviceAccountEmail: optStr,
  restrictions: apiKeyRestrictionsSchema.nullish(),
});
export type RawApiKey = z.infer<typeof apiKeySchema>;
export const listApiKeysSchema = page({
  keys: z.array(apiKeySchema).optional(),
  nextPageToken: optStr,
});
