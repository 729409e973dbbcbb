/**
 * `stdout`: prints the new secret once. Only reachable through an explicit `--sink stdout`
 * (there is no default sink), and the CLI supplies the writer so nothing else prints it.
 */
import type { CoreSink } from './index.js';

export function stdoutSink(write: (text: string) => void): CoreSink {
  let printed: string | null = null;
  return {
    describe: () => 'stdout',
    async put(secret, delivery) {
      write(
        Object.entries(secret.values)
          .map(([k, v]) => `${k}=${v}\n`)
          .join(''),
      );
      printed = delivery.token;
      return { version: 'stdout', requestId: null };
    },
    // Nothing can be read back from a terminal: only the process that printed this very
    // delivery can vouch for it. A resumed process delivers (prints) a fresh credential.
    async verify(_receipt, delivery) {
      return printed === delivery.token
        ? { ok: true }
        : { ok: false, reason: 'a terminal cannot be read back; another process printed it' };
    },
  };
}
