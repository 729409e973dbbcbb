/**
 * Sink resolution: core sinks (file, stdout) live here; every other scheme belongs to a
 * connector (`ConnectorActions.sinks`), whose actions are imported only when used.
 */
import type {
  ConnectorActions,
  ConnectorContext,
  ProviderId,
  Sink,
} from '../../connector/index.js';
import { UserError } from '../../connector/index.js';
import type { SinkSpec } from '../../model/index.js';
import { fileSink } from './file.js';
import { stdoutSink } from './stdout.js';

/** A sink that can also refuse before anything is created (a file that already exists). */
export interface CoreSink extends Sink {
  preflight?(): void;
}

/** Which provider offers a scheme, so only that connector's actions are loaded. */
export const SINK_PROVIDERS: Record<string, ProviderId> = {
  'aws-secrets-manager': 'aws',
  'github-actions': 'github',
  'azure-key-vault': 'azure',
};

export const CORE_SINKS = ['file', 'stdout'];

export function sinkProvider(spec: SinkSpec): ProviderId | null {
  if (CORE_SINKS.includes(spec.scheme)) return null;
  const p = SINK_PROVIDERS[spec.scheme];
  if (!p) {
    throw new UserError(
      `unknown sink scheme '${spec.scheme}' (known: ${[...CORE_SINKS, ...Object.keys(SINK_PROVIDERS)].join(', ')})`,
    );
  }
  return p;
}

export interface SinkEnv {
  loadActions(provider: ProviderId): Promise<ConnectorActions>;
  contextFor(provider: ProviderId): Promise<ConnectorContext>;
  /** Where the stdout sink writes (the CLI's stdout). */
  writeStdout(text: string): void;
}

export async function openSink(spec: SinkSpec, env: SinkEnv): Promise<CoreSink> {
  if (spec.scheme === 'file') return fileSink(spec.target, spec.overwrite);
  if (spec.scheme === 'stdout') return stdoutSink(env.writeStdout);
  const provider = sinkProvider(spec)!;
  const actions = await env.loadActions(provider);
  const factory = actions.sinks[spec.scheme];
  if (!factory) throw new UserError(`the ${provider} connector offers no '${spec.scheme}' sink`);
  return factory(await env.contextFor(provider), spec.target);
}
