/**
 * The Anthropic Admin API's documents as zod schemas, parsed at the edge (client.ts): a page
 * that is not the list asked for is an invalid response and fails the scope, never "no keys".
 * The SDK's response types are the reference (compile-time checks at the bottom); the usage
 * report, which the SDK does not cover, follows the published API reference.
 */
import { z } from 'zod';
import type { APIKey } from '@anthropic-ai/sdk/resources/organization/api-keys';
import type { OrganizationInfo } from '@anthropic-ai/sdk/resources/organization/organization';
import type { OrganizationUser } from '@anthropic-ai/sdk/resources/organization/users';
import type { Workspace } from '@anthropic-ai/sdk/resources/organization/workspaces/workspaces';
import type { ServiceAccount } from '@anthropic-ai/sdk/resources/organization/service-accounts/service-accounts';

export type { APIKey, OrganizationInfo, OrganizationUser, Workspace, ServiceAccount };

const timestamp = z.iso.datetime({ offset: true });

/** `{ data, has_more, first_id, last_id }`: keys, workspaces, users (paged with after_id). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    has_more: z.boolean(),
    first_id: z.string().nullable(),
    last_id: z.string().nullable(),
  });
}

/** `{ data, next_page }`: service accounts (paged with page). */
export function cursorPageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_page: z.string().nullable() });
}

export const organizationSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  type: z.literal('organization'),
});

export const apiKeySchema = z.object({
  id: z.string().min(1),
  type: z.literal('api_key'),
  name: z.string(),
  /** What the Console shows of the key (`sk-ant-api03-R2D...igAA`). Never the key. */
  partial_key_hint: z.string().nullable(),
  status: z.enum(['active', 'inactive', 'expired', 'archived']),
  created_at: timestamp,
  expires_at: timestamp.nullable(),
  created_by: z.object({ id: z.string(), type: z.enum(['user', 'service_account']) }).nullable(),
  principal: z
    .union([
      z.object({ type: z.literal('user_actor'), user_id: z.string() }),
      z.object({ type: z.literal('service_account_actor'), service_account_id: z.string() }),
    ])
    .nullable(),
  scope: z.union([
    z.object({ type: z.literal('workspace'), workspace_id: z.string() }),
    z.object({ type: z.literal('organization') }),
  ]),
});

export const workspaceSchema = z.object({
  id: z.string().min(1),
  type: z.literal('workspace'),
  name: z.string(),
  created_at: timestamp,
  archived_at: timestamp.nullable(),
  tags: z.record(z.string(), z.string()).optional(),
});

export const userSchema = z.object({
  id: z.string().min(1),
  type: z.literal('user'),
  email: z.string(),
  name: z.string(),
  role: z.string(),
  added_at: timestamp,
});

export const serviceAccountSchema = z.object({
  id: z.string().min(1),
  type: z.literal('service_account'),
  name: z.string(),
  description: z.string().nullable(),
  organization_role: z.string(),
  created_at: timestamp,
  archived_at: timestamp.nullable(),
});

/** One row of the Messages usage report grouped by API key (token counts: any use counts). */
const usageRowSchema = z.object({
  api_key_id: z.string().nullable(),
  uncached_input_tokens: z.number().nonnegative(),
  output_tokens: z.number().nonnegative(),
  cache_read_input_tokens: z.number().nonnegative().optional(),
});
export const usageReportSchema = z.object({
  data: z.array(
    z.object({ starting_at: timestamp, ending_at: timestamp, results: z.array(usageRowSchema) }),
  ),
  has_more: z.boolean(),
  next_page: z.string().nullable(),
});

export type RawOrganization = z.infer<typeof organizationSchema>;
export type RawApiKey = z.infer<typeof apiKeySchema>;
export type RawWorkspace = z.infer<typeof workspaceSchema>;
export type RawUser = z.infer<typeof userSchema>;
export type RawServiceAccount = z.infer<typeof serviceAccountSchema>;
export type UsageReport = z.infer<typeof usageReportSchema>;

// Compile-time: whatever the SDK's types allow, the schemas accept.
type Accepts<Schema extends z.ZodType, Doc> = Doc extends z.input<Schema> ? true : never;
export const SDK_TYPES_ACCEPTED: [
  Accepts<typeof organizationSchema, OrganizationInfo>,
  Accepts<typeof apiKeySchema, APIKey>,
  Accepts<typeof workspaceSchema, Workspace>,
  Accepts<typeof userSchema, OrganizationUser>,
  Accepts<typeof serviceAccountSchema, ServiceAccount>,
] = [true, true, true, true, true];
