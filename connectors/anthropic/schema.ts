/**
 * The provider's payloads as schemas, parsed at the edge (client.ts): a response that does not
 * match is an invalid response and fails the scope; nothing past the connector knows this JSON.
 * (A provider with an SDK uses the SDK's own types here, type-only.)
 */
import { z } from 'zod';

const nextPage = z.string().min(1).nullable().optional();
const timestamp = z.iso.datetime({ offset: true });

export const projectSchema = z.object({ id: z.string().min(1), name: z.string() });
export const projectPageSchema = z.object({
  projects: z.array(projectSchema),
  next_page_token: nextPage,
});

export const serviceAccountSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  description: z.string().nullable(),
  created_at: timestamp,
  owner_email: z.string().nullable(),
});
export const serviceAccountPageSchema = z.object({
  service_accounts: z.array(serviceAccountSchema),
  next_page_token: nextPage,
});

export const keySchema = z.object({
  id: z.string().min(1),
  /** The last characters of the key: what a person recognises it by. Never the key. */
  redacted_value: z.string(),
  status: z.enum(['active', 'disabled']),
  created_at: timestamp,
  expires_at: timestamp.nullable(),
  last_used_at: timestamp.nullable(),
});
export const keyPageSchema = z.object({ keys: z.array(keySchema), next_page_token: nextPage });
/** Only a create answers with the secret, once. */
export const createdKeySchema = keySchema.extend({ value: z.string().min(1) });

export const meSchema = z.object({ id: z.string().min(1), name: z.string() });

export type RawProject = z.infer<typeof projectSchema>;
export type RawServiceAccount = z.infer<typeof serviceAccountSchema>;
export type RawKey = z.infer<typeof keySchema>;
