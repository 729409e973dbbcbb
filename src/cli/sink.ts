/**
 * Where streamed output goes: stdout, or a file the user named (`-o`). Chunks are gathered into
 * blocks of about 64 KiB and written with backpressure, so a report of any size is written as
 * it is made and never held whole. On stdout a document is byte for byte in a pipe or file and
 * guarded when a person reads it on a terminal (as `emit` does).
 */
import { closeSync, writeSync } from 'node:fs';
import { guard } from '../report/terminal.js';
import { openUserFile, UserFileError } from './user-files.js';
import { fsReason } from '../catalog/errors.js';

export interface Sink {
  write(chunk: string): void | Promise<void>;
  /** Flushes what is buffered and ends the output. */
  close(): Promise<void>;
}

const BLOCK = 64 * 1024;

/** The chunks as one text; a lone chunk (a page of a report is larger than a block) as it is. */
const joined = (chunks: readonly string[]): string =>
  chunks.length === 1 ? chunks[0]! : chunks.join('');

/** stdout; a trailing newline is added if the document lacks one (as `emit` does). */
export function stdoutSink(stream: NodeJS.WriteStream = process.stdout): Sink {
  let buffered: string[] = [];
  let size = 0;
  let last = '';
  const flush = async () => {
    if (!size) return;
    const text = joined(buffered);
    buffered = [];
    size = 0;
    last = text.slice(-1);
    if (!stream.write(stream.isTTY ? guard(text, false) : text))
      await new Promise<void>((resolve) => stream.once('drain', resolve));
  };
  return {
    write(chunk) {
      if (!chunk) return;
      buffered.push(chunk);
      size += chunk.length;
      if (size >= BLOCK) return flush();
    },
    async close() {
      await flush();
      if (last !== '\n') stream.write('\n');
    },
  };
}

/** A file the user named: written as is; errors name the file and the reason (exit 2). */
export function fileSink(path: string, what: string): Sink {
  const fd = openUserFile(path, what);
  let buffered: string[] = [];
  let size = 0;
  const flush = () => {
    if (!size) return;
    const text = joined(buffered);
    buffered = [];
    size = 0;
    try {
      writeSync(fd, text);
    } catch (err) {
      const reason = fsReason(err);
      if (reason === null) throw err;
      throw new UserFileError(path, `cannot write ${what} to ${path}: ${reason}`);
    }
  };
  return {
    write(chunk) {
      buffered.push(chunk);
      size += chunk.length;
      if (size >= BLOCK) flush();
    },
    close() {
      flush();
      closeSync(fd);
      return Promise.resolve();
    },
  };
}
