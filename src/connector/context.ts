/**
 * The one way the core builds a connector's context, shared by scan, doctor and playbooks:
 * the provider's config section layered under its command-line flags, parsed with the
 * connector's declared options (a bad value is a UserError naming the option), the
 * environment (the demo gets its own, never the real one), debug logging and progress.
 */
import type { ProviderId } from '../model/index.js';
import type { ConnectorContext, DemoHandle, ProgressUpdate } from './index.js';
import { parseOptions } from './kit/options.js';
import { loadOptions } from './registry.js';

export interface ContextSource {
  now: Date;
  signal: AbortSignal;
  /** Each provider's section of the config file. */
  configured: Readonly<Partial<Record<ProviderId, Record<string, unknown>>>>;
  /** Options that came from command-line flags; they win over the config file. */
  flags?: Readonly<Partial<Record<ProviderId, Record<string, unknown>>>>;
  /** Where debug lines go; absent = debug off. */
  debug?: (line: string) => void;
  progress?: (provider: ProviderId, update: ProgressUpdate) => void;
  /** The real environment (default process.env); never used for the demo. */
  env?: Readonly<Record<string, string | undefined>>;
}

export async function contextFor(
  provider: ProviderId,
  source: ContextSource,
  demo?: DemoHandle,
): Promise<ConnectorContext> {
  const decl = await loadOptions(provider);
  const raw = demo
    ? { ...demo.options }
    : { ...(source.configured[provider] ?? {}), ...(source.flags?.[provider] ?? {}) };
  const debug = source.debug;
  return {
    now: () => source.now,
    log: {
      debug: debug
        ? (m, d) => debug(`debug: ${provider}: ${m}${d ? ` ${JSON.stringify(d)}` : ''}`)
        : () => {},
    },
    progress: (u) => source.progress?.(provider, u),
    signal: source.signal,
    // The demo never sees the real environment, so no real credential can leak into it.
    env: demo ? { ...demo.env } : (source.env ?? process.env),
    options: parseOptions(decl, raw) as Record<string, unknown>,
  };
}
