/**
 * GitHub REST payloads as zod schemas, parsed at the edge (client.ts validates every answer
 * against the schema of the document it asked for): a document that does not match fails the
 * scope as an invalid response; it is never "empty". Each schema keeps only what nhi reads,
 * and the type checks at the end prove it accepts every payload GitHub's published OpenAPI
 * description (@octokit/openapi, through Octokit's generated types) allows.
 * Secret values never appear here: GitHub's APIs return only names and dates.
 */
import { z } from 'zod';
import type { RestEndpointMethodTypes } from '@octokit/rest';
import { parsePayload } from '../../src/connector/index.js';

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date');
const level = z.string();

export const OrgSchema = z.object({
  login: z.string(),
  id: z.number(),
  name: z.string().nullish(),
});

export const RepoSchema = z.object({
  id: z.number(),
  name: z.string(),
  full_name: z.string(),
  private: z.boolean(),
  archived: z.boolean().optional(),
  visibility: z.string().optional(),
  created_at: isoDate.nullish(),
});

export const PatGrantSchema = z.object({
  id: z.number(),
  owner: z.object({ login: z.string(), id: z.number() }),
  repository_selection: z.enum(['none', 'all', 'subset']),
  permissions: z.object({
    organization: z.record(z.string(), level).optional(),
    repository: z.record(z.string(), level).optional(),
    other: z.record(z.string(), level).optional(),
  }),
  access_granted_at: isoDate,
  token_id: z.number(),
  token_name: z.string(),
  token_expired: z.boolean(),
  token_expires_at: isoDate.nullable(),
  token_last_used_at: isoDate.nullable(),
});

/** GitHub Enterprise Cloud's SAML credential authorizations (GHEC's own OpenAPI description). */
export const CredentialAuthorizationSchema = z.object({
  login: z.string(),
  credential_id: z.number(),
  credential_type: z.string(),
  /** The last eight characters of a token: what its owner sees in their token list. */
  token_last_eight: z.string().optional(),
  credential_authorized_at: isoDate,
  credential_accessed_at: isoDate.nullable(),
  authorized_credential_id: z.number().nullable(),
  authorized_credential_title: z.string().nullish(),
  authorized_credential_note: z.string().nullish(),
  authorized_credential_expires_at: isoDate.nullish(),
  fingerprint: z.string().optional(),
  scopes: z.array(z.string()).optional(),
});

export const DeployKeySchema = z.object({
  id: z.number(),
  /** The public key ("ssh-ed25519 AAAA…"): its fingerprint is how a person finds it. */
  key: z.string().optional(),
  title: z.string(),
  read_only: z.boolean(),
  created_at: isoDate,
  verified: z.boolean().optional(),
  added_by: z.string().nullish(),
  last_used: isoDate.nullish(),
  enabled: z.boolean().optional(),
});

export const InstallationSchema = z.object({
  id: z.number(),
  app_id: z.number(),
  app_slug: z.string(),
  repository_selection: z.enum(['all', 'selected']),
  permissions: z.record(z.string(), z.string()),
  events: z.array(z.string()),
  created_at: isoDate,
  updated_at: isoDate,
  suspended_at: isoDate.nullable(),
  suspended_by: z.object({ login: z.string() }).nullish(),
});

/**
 * GET /apps/{app_slug} (OpenAPI `integration`): only who owns the App matters here. The owner
 * is a user or organization (`login`) or, for enterprise-owned Apps, an enterprise (`slug`).
 */
export const AppSchema = z.object({
  id: z.number(),
  slug: z.string().optional(),
  name: z.string(),
  owner: z.union([
    z.object({ login: z.string(), type: z.string().optional() }),
    z.object({ slug: z.string(), name: z.string().optional() }),
  ]),
});

export const SecretSchema = z.object({
  name: z.string(),
  created_at: isoDate,
  updated_at: isoDate,
  visibility: z.enum(['all', 'private', 'selected']).optional(),
});

export const EnvironmentSchema = z.object({
  id: z.number(),
  name: z.string(),
  created_at: isoDate.optional(),
});

export const HookSchema = z.object({
  id: z.number(),
  name: z.string().optional(),
  active: z.boolean(),
  events: z.array(z.string()),
  config: z.object({ url: z.string().optional(), secret: z.string().optional() }).loose(),
  created_at: isoDate,
  updated_at: isoDate,
});

export const PublicKeySchema = z.object({ key_id: z.string(), key: z.string() });

/**
 * GET /repos/{owner}/{repo}/contents/{path} for a file: its text, base64 with line breaks. A
 * directory (an array), symlink or submodule at the path is not a CODEOWNERS file.
 */
export const ContentFileSchema = z.object({
  type: z.string(),
  path: z.string(),
  encoding: z.string().optional(),
  content: z.string().optional(),
});

/** What the contents API answers at a path: a file, or a directory listing (an array). */
export const ContentSchema = z.union([ContentFileSchema, z.array(z.unknown())]);

/** GET /orgs/{org}/properties/values: each repository's custom property values. */
export const RepoPropertiesSchema = z.object({
  repository_full_name: z.string(),
  properties: z.array(
    z.object({
      property_name: z.string(),
      value: z.union([z.string(), z.array(z.string())]).nullable(),
    }),
  ),
});

/** GET /orgs/{org}/members: who is a member now (only `login` is read). */
export const MemberSchema = z.object({ login: z.string() });

export const InstallationPermissionsSchema = z.object({
  id: z.number(),
  permissions: z.record(z.string(), z.string().optional()).optional(),
});

/* ----- list documents: an array, or GitHub's `{ total_count, <key>: [...] }` ----- */

/** How a list endpoint answers: a bare array, or an object wrapping the array under `key`. */
export interface ListShape<S extends z.ZodType> {
  item: S;
  /** The array's key in `{ total_count, <key>: [...] }`; absent for bare arrays; '*' for either. */
  key?: string;
}

export const list = <S extends z.ZodType>(item: S, key?: string): ListShape<S> =>
  key === undefined ? { item } : { item, key };

/** Any JSON document, for a caller that validates it itself. */
export const ANY_DOCUMENT = z.unknown();

/** Any list page, as Octokit's paginator reads one; the caller validates the items. */
export const ANY_LIST: ListShape<z.ZodUnknown> = { item: z.unknown(), key: '*' };

const pages = new WeakMap<ListShape<z.ZodType>, z.ZodType>();

/** The schema of one page of a list endpoint; it yields the page's items. */
export function pageSchema<S extends z.ZodType>(shape: ListShape<S>): z.ZodType<z.infer<S>[]> {
  // zod compiles a schema on first use: one page schema per shape, not one per request.
  let schema = pages.get(shape);
  if (!schema) pages.set(shape, (schema = buildPageSchema(shape)));
  return schema as z.ZodType<z.infer<S>[]>;
}

function buildPageSchema<S extends z.ZodType>(shape: ListShape<S>): z.ZodType<z.infer<S>[]> {
  const items = z.array(shape.item);
  const { key } = shape;
  if (key === undefined) return items;
  if (key !== '*')
    return z
      .object({ total_count: z.number(), [key]: items })
      .transform((page) => page[key] as z.infer<S>[]);
  // Octokit's own reading: the one array next to total_count holds the items.
  const wrapped = z
    .object({ total_count: z.number() })
    .catchall(z.unknown())
    .transform((page) => {
      const lists = Object.values(page).filter(Array.isArray);
      return lists.length === 1 ? lists[0] : undefined;
    })
    .pipe(items);
  return z.union([items, wrapped]);
}

const GITHUB = 'github';

/** One document, validated; `operation` names the request in the error. */
export function parseOne<S extends z.ZodType>(
  schema: S,
  data: unknown,
  operation: string,
): z.infer<S> {
  return parsePayload(schema, data, { provider: GITHUB, operation });
}

/** A list of items, validated; the error names the item and the field. */
export function parseList<S extends z.ZodType>(
  schema: S,
  data: unknown,
  operation: string,
): z.infer<S>[] {
  let many = arrays.get(schema);
  if (!many) arrays.set(schema, (many = z.array(schema)));
  return parsePayload(many as z.ZodArray<S>, data, { provider: GITHUB, operation });
}

const arrays = new WeakMap<z.ZodType, z.ZodType>();

export type RepoPayload = z.infer<typeof RepoSchema>;
export type PatGrantPayload = z.infer<typeof PatGrantSchema>;
export type CredentialAuthorizationPayload = z.infer<typeof CredentialAuthorizationSchema>;
export type DeployKeyPayload = z.infer<typeof DeployKeySchema>;
export type InstallationPayload = z.infer<typeof InstallationSchema>;
export type AppPayload = z.infer<typeof AppSchema>;
export type SecretPayload = z.infer<typeof SecretSchema>;
export type EnvironmentPayload = z.infer<typeof EnvironmentSchema>;
export type HookPayload = z.infer<typeof HookSchema>;
export type RepoPropertiesPayload = z.infer<typeof RepoPropertiesSchema>;

/* ----- the schemas accept what GitHub's OpenAPI description allows (compile-time) ----- */

type Rest = RestEndpointMethodTypes;
type Data<K extends keyof Rest, M extends keyof Rest[K]> = Rest[K][M] extends {
  response: { data: infer D };
}
  ? D
  : never;
type Item<T> = T extends readonly (infer I)[] ? I : never;
/** True when every payload of type T passes schema S; a compile error otherwise. */
type Accepts<S extends z.ZodType, T> = [T] extends [z.input<S>] ? true : never;

const accepted: Record<string, true> = {
  org: true satisfies Accepts<typeof OrgSchema, Data<'orgs', 'get'>>,
  repo: true satisfies Accepts<typeof RepoSchema, Item<Data<'repos', 'listForOrg'>>>,
  pat: true satisfies Accepts<typeof PatGrantSchema, Item<Data<'orgs', 'listPatGrants'>>>,
  key: true satisfies Accepts<typeof DeployKeySchema, Item<Data<'repos', 'listDeployKeys'>>>,
  installation: true satisfies Accepts<
    typeof InstallationSchema,
    Item<Data<'orgs', 'listAppInstallations'>['installations']>
  >,
  app: true satisfies Accepts<typeof AppSchema, NonNullable<Data<'apps', 'getBySlug'>>>,
  orgSecret: true satisfies Accepts<
    typeof SecretSchema,
    Item<Data<'actions', 'listOrgSecrets'>['secrets']>
  >,
  repoSecret: true satisfies Accepts<
    typeof SecretSchema,
    Item<Data<'actions', 'listRepoSecrets'>['secrets']>
  >,
  envSecret: true satisfies Accepts<
    typeof SecretSchema,
    Item<Data<'actions', 'listEnvironmentSecrets'>['secrets']>
  >,
  dependabot: true satisfies Accepts<
    typeof SecretSchema,
    Item<Data<'dependabot', 'listOrgSecrets'>['secrets']>
  >,
  environment: true satisfies Accepts<
    typeof EnvironmentSchema,
    Item<NonNullable<Data<'repos', 'getAllEnvironments'>['environments']>>
  >,
  orgHook: true satisfies Accepts<typeof HookSchema, Item<Data<'orgs', 'listWebhooks'>>>,
  repoHook: true satisfies Accepts<typeof HookSchema, Item<Data<'repos', 'listWebhooks'>>>,
  publicKey: true satisfies Accepts<typeof PublicKeySchema, Data<'actions', 'getRepoPublicKey'>>,
  content: true satisfies Accepts<
    typeof ContentFileSchema,
    Extract<Data<'repos', 'getContent'>, { type: 'file' }>
  >,
  properties: true satisfies Accepts<
    typeof RepoPropertiesSchema,
    Item<Data<'orgs', 'customPropertiesForReposGetOrganizationValues'>>
  >,
  member: true satisfies Accepts<typeof MemberSchema, Item<Data<'orgs', 'listMembers'>>>,
};
void accepted;
