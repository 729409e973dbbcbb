/**
 * Shell completion as a shell uses it: the generated bash script is sourced in a real bash,
 * its function called the way readline calls it on TAB, and COMPREPLY read back; zsh and
 * fish answers come from the same completion server (their scripts are tabtab's).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, nhi, scrubbedEnv, tempDir } from './run-cli.js';

function shim(): string {
  const dir = tempDir('nhi-bin-');
  const file = join(dir, 'nhi');
  writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(file, 0o755);
  return dir;
}

/** What bash offers after typing `line` and pressing TAB. */
function bashComplete(script: string, line: string): string[] {
  const words = line.split(' ');
  const program = [
    script,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE='${line}'`,
    `COMP_POINT=${line.length}`,
    '_nhi_completion',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const bin = shim();
  return execFileSync('bash', ['-c', program], {
    env: { ...scrubbedEnv(), PATH: `${bin}:${process.env.PATH}` },
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

describe('nhi completion', () => {
  it('bash: commands, options (connector flags too) and option values', async () => {
    const script = (await nhi(['completion', 'bash'])).stdout;
    expect(bashComplete(script, 'nhi li')).toEqual(['list']);
    expect(bashComplete(script, 'nhi scan --github-o')).toEqual(['--github-org']);
    expect(bashComplete(script, 'nhi check --fail-on h')).toEqual(['high']);
    expect(bashComplete(script, 'nhi list --provider a')).toEqual(
      expect.arrayContaining(['aws', 'azure']),
    );
    expect(bashComplete(script, 'nhi report --rule credential-r')).toEqual(['credential-rotation']);
  });

  it('zsh and fish scripts call the same server, which describes each candidate', async () => {
    for (const shell of ['zsh', 'fish']) {
      const r = await nhi(['completion', shell]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('nhi completion-server');
    }
    const zsh = await nhi(['completion-server'], {
      env: scrubbedEnv({ COMP_CWORD: '1', COMP_LINE: 'nhi ', COMP_POINT: '4', SHELL: 'zsh' }),
    });
    expect(zsh.stdout).toContain('check:CI gate');
    expect(zsh.stdout).not.toContain('completion-server');
  });

  it('an unknown shell is a usage error', async () => {
    const r = await nhi(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("nhi: completion: unknown shell 'tcsh' (use bash, zsh, fish)");
  });
});
