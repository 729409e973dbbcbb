/**
 * Declared connector options. Each connector exports its options as a strict zod schema
 * (defaults and descriptions included) and its command-line flags as data; the core builds
 * the config file's `providers.<id>` section, the JSON Schema, the scan/doctor flags and
 * their help from them, and hands the connector parsed, typed options.
 */
import { z } from 'zod';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS } from './http.js';
import { UserError } from './errors.js';

export interface FlagDecl {
  /** Commander syntax: '--github-org <org...>', '--all-accounts', '--region <region>'. */
  flag: string;
  /** The option key it sets. */
  key: string;
  description: string;
  /** How the string is turned into the option's value (default: as given). */
  parse?: 'number' | 'csv';
}

/** Options every connector has, so timeouts and retries are set the same way everywhere. */
export const commonOptionsShape = {
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(DEFAULT_TIMEOUT_MS)
    .describe('Per-request timeout in milliseconds; a request that gets no answer fails'),
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(20)
    .default(DEFAULT_MAX_ATTEMPTS)
    .describe('Attempts per request on throttling, 5xx, timeouts and network errors'),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyShape = Record<string, z.ZodType<any>>;

export interface OptionsDecl<S extends z.ZodObject = z.ZodObject> {
  provider: string;
  schema: S;
  flags: readonly FlagDecl[];
}

/** A connector's option schema (made strict, with the common options) and its flags. */
export function defineOptions<Shape extends AnyShape>(decl: {
  provider: string;
  shape: Shape;
  flags: readonly FlagDecl[];
}): OptionsDecl<z.ZodObject<Shape & typeof commonOptionsShape, z.core.$strict>> {
  for (const f of decl.flags)
    if (!(f.key in decl.shape))
      throw new Error(`${decl.provider}: flag ${f.flag} sets unknown option '${f.key}'`);
  return {
    provider: decl.provider,
    schema: z.object({ ...decl.shape, ...commonOptionsShape }).strict(),
    flags: decl.flags,
  };
}

/** Parses a provider's merged options (config file section + flags); problems are UserErrors. */
export function parseOptions<S extends z.ZodObject>(
  decl: OptionsDecl<S>,
  raw: Record<string, unknown>,
): z.infer<S> {
  const parsed = decl.schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(decl.schema.shape).join(', ');
    throw new UserError(
      `${decl.provider} option '${[...path, issue.keys[0]].join('.')}': unknown option (known: ${known})`,
    );
  }
  throw new UserError(`${decl.provider} option '${path.join('.')}': ${issue.message}`);
}

/** The flag's value as the option wants it. */
export function flagValue(flag: FlagDecl, value: unknown): unknown {
  if (flag.parse === 'number' && typeof value === 'string') {
    const n = Number(value);
    if (!Number.isFinite(n))
      throw new UserError(`${flag.flag.split(' ')[0]}: '${value}' is not a number`);
    return n;
  }
  if (flag.parse === 'csv' && typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return value;
}

/** Commander's attribute name for a flag ('--github-org <org...>' -> 'githubOrg'). */
export function flagAttribute(flag: FlagDecl): string {
  const long = /--([a-z0-9-]+)/i.exec(flag.flag)?.[1] ?? flag.key;
  return long.replace(/^no-/, '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
