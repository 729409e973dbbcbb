/**
 * nhi in a real terminal (tmux, at 80 and 160 columns): progress shown while scanning and
 * cleared after, tables that fit the width, the end-of-scan screen's worst findings (the
 * first of `nhi report`'s), and Ctrl-C stopping a scan at once with exit 130.
 * CI installs tmux (.ci/run); without it these tests are skipped and say why.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN, nhi } from './run-cli.js';

const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V']);
    return true;
  } catch {
    return false;
  }
})();
if (!hasTmux) console.warn('tmux is not installed: terminal tests skipped (.ci/run installs it)');

// A tmux server of this test file's own: the shared default server exits when another
// process kills its last session, which failed a concurrent `new-session` here.
const SOCKET = `nhi-test-${process.pid}`;
const tmux = (args: string[], opts: Parameters<typeof execFileSync>[2] = {}) =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', ...opts });
afterAll(() => {
  try {
    tmux(['kill-server'], { stdio: 'ignore' });
  } catch {
    // already gone
  }
});

const sessions: string[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) {
    try {
      tmux(['kill-session', '-t', s]);
    } catch {
      // already gone
    }
  }
});

/** Runs `args` in a fresh tmux session `width` columns wide; the exit code lands in a file. */
function start(width: number, args: string[], catalog: string): { name: string; rc: string } {
  const name = `nhi-${process.pid}-${sessions.length}-${width}`;
  sessions.push(name);
  const rc = join(mkdtempSync(join(tmpdir(), 'nhi-tty-')), 'rc');
  // The wrapper survives Ctrl-C (trap) to record the exit code; nhi itself gets the signal.
  const cmd = `trap : INT; unset CI; NHI_CATALOG=${catalog} TERM=xterm-256color ${process.execPath} ${BIN} ${args.join(' ')}; echo $? > ${rc}; sleep 60`;
  tmux(['new-session', '-d', '-s', name, '-x', String(width), '-y', '50', cmd], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/tmp' },
  });
  return { name, rc };
}

const screen = (name: string) => tmux(['capture-pane', '-p', '-t', name]) as string;

async function exitCode(rc: string, timeoutMs = 30_000): Promise<number> {
  const { readFileSync } = await import('node:fs');
  for (const t0 = Date.now(); Date.now() - t0 < timeoutMs; await sleep(100)) {
    try {
      return Number(readFileSync(rc, 'utf8').trim());
    } catch {
      // not finished yet
    }
  }
  throw new Error('the command did not finish');
}

const catalogFile = () => join(mkdtempSync(join(tmpdir(), 'nhi-tty-cat-')), 'catalog.db');

describe.skipIf(!hasTmux)('in a terminal', () => {
  it.each([80, 160])(
    'at %i columns: progress while scanning, cleared after; tables fit',
    async (width) => {
      const catalog = catalogFile();
      const scan = start(width, ['scan', '--demo'], catalog);
      let sawProgress = false;
      // Generous: the machine may be busy, and start-up is not what this test measures.
      for (let i = 0; i < 300 && !sawProgress; i += 1) {
        await sleep(100);
        sawProgress = /\] \d+\/\d+/.test(screen(scan.name));
      }
      expect(sawProgress, 'a progress bar was drawn').toBe(true);
      expect(await exitCode(scan.rc)).toBe(0);
      const after = screen(scan.name);
      expect(after).toMatch(/Scan #1 of the demo estate: ok/);
      expect(after, 'progress bars are cleared').not.toMatch(/\] \d+\/\d+/);
      for (const l of after.split('\n')) expect(l.length).toBeLessThanOrEqual(width);
      // The end-of-scan screen: the 5 worst findings, each with its fix on one line of its own
      // (cut to the width, never wrapped), then where the rest are.
      expect(after).toMatch(/Findings: \d+ critical, .*The worst 5:/);
      const worst = after
        .split('\n')
        .filter((l) => /^ ?\d\. (critical|high) +[a-z-]+ {2}\w+\//.test(l));
      expect(worst).toHaveLength(5);
      expect(after.match(/^ {4}fix: \S/gm)).toHaveLength(5);
      expect(after).toMatch(/\nnhi report for all \d+ findings\s*$/);
      // One verdict: they are report's first five failing findings, cut to the width.
      const report = await nhi([
        'report',
        '--catalog',
        catalog,
        '--jq',
        '[.findings[] | select(.outcome == "fail")][:5][] | "\\(.severity)|\\(.ruleId)|\\(.provider)/\\(.scopeName) · \\(.identityName)\\(if .credentialExternalId then " · " + .credentialExternalId else "" end)"',
      ]);
      const expected = report.stdout
        .trim()
        .split('\n')
        .map((l, i) => {
          const [severity, rule, subject] = l.split('|');
          return `${String(i + 1).padStart(2)}. ${severity!.padEnd(8)} ${rule}  ${subject}`;
        });
      expect(expected).toHaveLength(5);
      worst.forEach((l, i) =>
        expect(expected[i]!.startsWith(l.trimEnd().replace(/…$/, ''))).toBe(true),
      );

      const list = start(width, ['list', '--limit', '10'], catalog);
      expect(await exitCode(list.rc)).toBe(0);
      const lines = screen(list.name)
        .split('\n')
        .filter((l) => l.startsWith('│'));
      expect(lines.length).toBeGreaterThan(5);
      // Each table row is one screen line: nothing wrapped.
      for (const l of lines) expect(l.endsWith('│')).toBe(true);
    },
    60_000,
  );

  it('Ctrl-C stops a scan at once, keeps what was committed, exits 130', async () => {
    const catalog = catalogFile();
    const scan = start(120, ['scan', '--demo'], catalog);
    // Once the bars are drawn the scan is under way (Ctrl-C during start-up just ends nhi).
    for (let i = 0; i < 300 && !/\] \d+\/\d+/.test(screen(scan.name)); i += 1) await sleep(100);
    // "At once" is measured against how long this machine takes to start nhi at all, now.
    const f0 = Date.now();
    execFileSync(process.execPath, [BIN, '--version']);
    const limit = Math.max(5000, 6 * (Date.now() - f0));
    const t0 = Date.now();
    tmux(['send-keys', '-t', scan.name, 'C-c']);
    expect(await exitCode(scan.rc, 2 * limit)).toBe(130);
    expect(Date.now() - t0).toBeLessThan(limit);
    const shown = screen(scan.name);
    expect(shown).toMatch(/Stopping: committed scopes are kept/);
    expect(shown).toMatch(/interrupted/);
  }, 60_000);
});
