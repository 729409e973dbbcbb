/** Numbered schema migrations, applied in order inside one transaction each. */
import { migration as inventory } from './0001-inventory.js';
import { migration as findings } from './0002-findings.js';
import { migration as playbooks } from './0003-playbooks.js';
import { migration as playbooksHardening } from './0004-playbooks-hardening.js';
import { migration as scanRunEndings } from './0005-scan-run-endings.js';
import { migration as evaluations } from './0006-evaluations.js';
import { migration as aiReach } from './0007-ai-reach.js';
import { migration as ownership } from './0008-ownership.js';
import { migration as runGroups } from './0009-run-groups.js';

export interface Migration {
  version: number;
  name: string;
  up: string;
  /** Rebuilds a table others reference: run with foreign keys off, then check them. */
  foreignKeysOff?: boolean;
}

export const MIGRATIONS: Migration[] = [
  inventory,
  findings,
  playbooks,
  playbooksHardening,
  scanRunEndings,
  evaluations,
  aiReach,
  ownership,
  runGroups,
];
