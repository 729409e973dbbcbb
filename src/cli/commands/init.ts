import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../connector/index.js';
import { initConfigTemplate, schemaReference } from '../../config/index.js';
import { globalsOf } from '../globals.js';
import { note } from '../output.js';
import { writeUserFile } from '../user-files.js';

/** Writes a commented nhi.config.yaml listing every rule and its default thresholds. */
export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as { force?: boolean; stdout?: boolean };
  const path = resolve(g.config ?? 'nhi.config.yaml');
  const text = initConfigTemplate({ schemaUrl: schemaReference(dirname(path)) });
  if (f.stdout) {
    process.stdout.write(text);
    return 0;
  }
  if (existsSync(path) && !f.force)
    throw new UserError(`${path} already exists (use --force to overwrite)`);
  writeUserFile(path, text, 'config file', { mode: 0o644 });
  note(g, `wrote ${path}: every rule with its default thresholds; edit and commit it`);
  return 0;
}
