import { afterEach, describe, expect, it, vi } from 'vitest';
import { UserError } from '../connector/index.js';
import { reportError } from './errors.js';
import { emit, out } from './output.js';

const HOSTILE = 'name\u001b]52;c;eA==\u0007\r\nFAKE: 0 findings\u202e';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

afterEach(() => vi.restoreAllMocks());

describe('writers', () => {
  it('emit: a document is exact into a pipe, guarded on a terminal', () => {
    const doc = `a,${HOSTILE}\n`;
    const pipe = fakeStream(false);
    emit(doc, pipe.stream);
    expect(pipe.written.join('')).toBe(doc);
    const tty = fakeStream(true);
    emit(doc, tty.stream);
    expect(tty.written.join('')).toBe(
      'a,name\\u001b]52;c;eA==\\u0007\\r\nFAKE: 0 findings\\u202e\n',
    );
  });

  it('out: a value a command forgot to neutralise cannot send a sequence, a CR or a bidi override', () => {
    // (A line break stays: it is the text's own structure. Data goes through tty, line or table.)
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    out(`user ${HOSTILE}`);
    expect(spy.mock.calls[0]![0]).toBe(
      'user name\\u001b]52;c;eA==\\u0007\\r\nFAKE: 0 findings\\u202e\n',
    );
  });

  it('errors: a provider error body is one visible line', () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(reportError(new UserError(`github: 401 ${HOSTILE}`), false)).toBe(2);
    expect(spy.mock.calls.map((c) => c[0]).join('')).toBe(
      'nhi: github: 401 name\\u001b]52;c;eA==\\u0007\\r\\nFAKE: 0 findings\\u202e\n',
    );
    spy.mockClear();
    expect(reportError(new Error(`boom ${HOSTILE}`), false)).toBe(70);
    const text = spy.mock.calls.map((c) => c[0]).join('');
    expect(text).toContain('nhi: internal error: boom name\\u001b]52');
    // eslint-disable-next-line no-control-regex -- checking for raw control characters
    expect(text).not.toMatch(/[\u001b\u0007\r\u202e]/);
  });
});
