/**
 * The IAM policy grammar: policy documents as IAM returns them (URL-encoded JSON from GAAD and
 * GetRole, plain JSON elsewhere), validated with zod so a garbage document names its place.
 */
import { z } from 'zod';
import { GAAD, invalidPayload } from './shared.js';

const stringOrList = z.union([z.string(), z.array(z.string())]);
const principalSchema = z.union([z.literal('*'), z.record(z.string(), stringOrList)]);

const statementSchema = z.object({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Action: stringOrList.optional(),
  NotAction: stringOrList.optional(),
  Resource: stringOrList.optional(),
  NotResource: stringOrList.optional(),
  Principal: principalSchema.optional(),
  NotPrincipal: principalSchema.optional(),
  Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});

const policySchema = z.object({
  Version: z.string().optional(),
  Id: z.string().optional(),
  Statement: z.union([statementSchema, z.array(statementSchema)]),
});

export type PolicyStatement = z.infer<typeof statementSchema>;
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

/**
 * Parses a policy document as IAM returns it. GAAD and GetRole return RFC 3986 URL-encoded
 * JSON (the SDK does not decode it), other paths plain JSON; both are accepted.
 */
export function parsePolicyDocument(raw: string | undefined | null, where: string): PolicyDocument {
  if (raw === undefined || raw === null || raw === '')
    throw invalidPayload(GAAD, `${where}: policy document is empty`);
  let text = raw.trim();
  if (!text.startsWith('{')) {
    try {
      text = decodeURIComponent(text.replace(/\+/g, '%20'));
    } catch {
      throw invalidPayload(GAAD, `${where}: policy document is neither JSON nor URL-encoded JSON`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalidPayload(
      GAAD,
      `${where}: policy document is not valid JSON (${(e as Error).message})`,
    );
  }
  const parsed = policySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidPayload(
      GAAD,
      `${where}: policy document does not match the IAM policy grammar at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  const st = parsed.data.Statement;
  return { Version: parsed.data.Version, Statement: Array.isArray(st) ? st : [st] };
}

/** A policy element that may be one string or a list, as a list. */
export function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
