/**
 * `stdout`: prints the new secret once. Only reachable through an explicit `--sink stdout`
 * (there is no default sink), and the CLI supplies the writer so nothing else prints it.
 */
import type { CoreSink } from './index.js';

export function stdoutSink(write: (text: string) => void): CoreSink {
  let written = false;
  return {
    describe: () => 'stdout',
    async put(secret) {
      write(
        Object.entries(secret.values)
          .map(([k, v]) => `${k}=${v}\n`)
          .join(''),
      );
      written = true;
      return { version: 'stdout', requestId: null };
    },
    // Nothing can be read back from a terminal: it "holds" the value once put returned
    // (journaled as version 'stdout', which a resumed process can only trust).
    async verify(version) {
      return written || version === 'stdout';
    },
  };
}
