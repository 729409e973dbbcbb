/**
 * The OpenAI Admin API's documents as zod schemas, parsed at the edge (client.ts): a page that
 * is not the list asked for is an invalid response and fails the scope, never "no keys".
 * The SDK's own response types are the reference: the compile-time checks at the bottom make
 * every document the SDK types describe acceptable to these schemas.
 */
import { z } from 'zod';
import type {
  AdminAPIKey,
  AdminAPIKeyCreateResponse,
} from 'openai/resources/admin/organization/admin-api-keys';
import type { Project } from 'openai/resources/admin/organization/projects/projects';
import type { ProjectAPIKey } from 'openai/resources/admin/organization/projects/api-keys';
import type {
  ProjectServiceAccount,
  ServiceAccountCreateResponse,
} from 'openai/resources/admin/organization/projects/service-accounts/service-accounts';
import type { APIKeyCreateResponse as ServiceAccountKeyCreateResponse } from 'openai/resources/admin/organization/projects/service-accounts/api-keys';
import type { OrganizationUser } from 'openai/resources/admin/organization/users/users';

export type {
  AdminAPIKey,
  AdminAPIKeyCreateResponse,
  Project,
  ProjectAPIKey,
  ProjectServiceAccount,
  ServiceAccountCreateResponse,
  ServiceAccountKeyCreateResponse,
  OrganizationUser,
};

/** Unix seconds, as every OpenAI admin document sends times. */
const unix = z.number().int().nonnegative();

/** One page of a list: `{ object: 'list', data, first_id, last_id, has_more }`. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    object: z.literal('list'),
    data: z.array(item),
    has_more: z.boolean(),
    first_id: z.string().nullish(),
    last_id: z.string().nullish(),
  });
}

export const projectSchema = z.object({
  id: z.string().min(1),
  object: z.literal('organization.project'),
  name: z.string().nullish(),
  created_at: unix,
  archived_at: unix.nullish(),
  status: z.string().nullish(),
});

export const userSchema = z.object({
  id: z.string().min(1),
  object: z.literal('organization.user'),
  name: z.string().nullish(),
  email: z.string().nullish(),
  role: z.string().nullish(),
  added_at: unix,
  is_service_account: z.boolean().optional(),
});

export const adminKeySchema = z.object({
  id: z.string().min(1),
  object: z.literal('organization.admin_api_key'),
  name: z.string().nullish(),
  /** What a person recognises the key by in the dashboard (`sk-admin-…abcd`). Never the key. */
  redacted_value: z.string(),
  created_at: unix,
  expires_at: unix.nullable(),
  /** Absent (older API versions) = unknown; null = never used. */
  last_used_at: unix.nullish(),
  owner: z.object({
    id: z.string().optional(),
    name: z.string().optional(),
    type: z.string().optional(),
    role: z.string().optional(),
    object: z.string().optional(),
    created_at: unix.optional(),
  }),
});

const ownerUser = z.object({
  id: z.string().min(1),
  name: z.string(),
  email: z.string(),
  role: z.string(),
  created_at: unix,
});
const ownerServiceAccount = z.object({
  id: z.string().min(1),
  name: z.string(),
  role: z.string(),
  created_at: unix,
});

export const projectKeySchema = z.object({
  id: z.string().min(1),
  object: z.literal('organization.project.api_key'),
  name: z.string(),
  redacted_value: z.string(),
  created_at: unix,
  last_used_at: unix.nullable(),
  /** In the published reference, not yet in the SDK's type: absent = no expiry reported. */
  expires_at: unix.nullish(),
  owner_project_access: z.enum(['active', 'inactive']).optional(),
  owner: z.object({
    type: z.enum(['user', 'service_account']).optional(),
    user: ownerUser.optional(),
    service_account: ownerServiceAccount.optional(),
  }),
});

export const serviceAccountSchema = z.object({
  id: z.string().min(1),
  object: z.literal('organization.project.service_account'),
  name: z.string(),
  role: z.string(),
  created_at: unix,
});

export const deletedSchema = z.object({ id: z.string(), deleted: z.literal(true) });

export const createdAdminKeySchema = adminKeySchema.extend({ value: z.string().min(1) });
export const createdServiceAccountKeySchema = z.object({
  id: z.string().min(1),
  object: z.literal('organization.project.service_account.api_key'),
  name: z.string(),
  created_at: unix,
  expires_at: unix.nullish(),
  value: z.string().min(1),
});

export type RawProject = z.infer<typeof projectSchema>;
export type RawUser = z.infer<typeof userSchema>;
export type RawAdminKey = z.infer<typeof adminKeySchema>;
export type RawProjectKey = z.infer<typeof projectKeySchema>;
export type RawServiceAccount = z.infer<typeof serviceAccountSchema>;

/** A project key as the published reference describes it (the SDK type lacks `expires_at`). */
export type WireProjectKey = ProjectAPIKey & { expires_at?: number | null };

// Compile-time: whatever the SDK's types allow, the schemas accept.
type Accepts<Schema extends z.ZodType, Doc> = Doc extends z.input<Schema> ? true : never;
export const SDK_TYPES_ACCEPTED: [
  Accepts<typeof projectSchema, Project>,
  Accepts<typeof userSchema, OrganizationUser>,
  Accepts<typeof adminKeySchema, AdminAPIKey>,
  Accepts<typeof createdAdminKeySchema, AdminAPIKeyCreateResponse>,
  Accepts<typeof projectKeySchema, WireProjectKey>,
  Accepts<typeof serviceAccountSchema, ProjectServiceAccount>,
  Accepts<typeof createdServiceAccountKeySchema, ServiceAccountKeyCreateResponse>,
] = [true, true, true, true, true, true, true];
