/**
 * Start-up entry and command table, bundled as one CommonJS file (dist/cli.cjs): `nhi --help`
 * and a mistyped command load nothing but this file and Node's built-ins. A command's module
 * (and with it SQLite, chalk, the SDKs) is imported through dispatch.ts, the ESM side, only when
 * that command runs. This file holds no state a command could share: only commander, the table
 * and constants (test/cli-entry.test.ts keeps it that way).
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT } from './exit-codes.js';
import { VERSION } from '../version.js';
import { PROVIDER_IDS } from '../model/providers.js';
import { examplesText } from './examples.js';
import { addFindingFilterOptions } from './finding-options.js';
import type { CommandPath } from './dispatch.js';

// The AWS SDK warns every run that future releases need Node 22; users cannot act on that.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const dispatch = () => import('./dispatch.js');

/** The action of the command at `path`: its module, loaded when it runs. */
const lazy =
  (path: CommandPath) =>
  async (...params: unknown[]): Promise<void> =>
    (await dispatch()).runCommand(path, params);

const program = new Command('nhi')
  .description(
    'Find, score and fix non-human identities: cloud keys, service accounts, app secrets, tokens',
  )
  .version(VERSION)
  .option('--catalog <path>', 'catalog file (env NHI_CATALOG; default in your data directory)')
  .option('--config <file>', 'policy/config file (default ./nhi.config.yaml when present)')
  .addOption(
    new Option('--format <format>', 'output format').choices([
      'table',
      'json',
      'csv',
      'markdown',
      'sarif',
      'html',
    ]),
  )
  .option(
    '--json [fields]',
    'same as --format json; with fields (comma separated) only those, of each item of a list',
  )
  .option('--jq <expr>', 'filter the JSON output with jq (implies --json)')
  .option('--no-color', 'no colours (also NO_COLOR)')
  .option('-q, --quiet', 'only errors and the requested output')
  .option('--debug', 'verbose diagnostics and stack traces')
  // Subcommands list the global options too: `nhi list --help` shows --catalog and --format.
  .configureHelp({ showGlobalOptions: true })
  .showSuggestionAfterError()
  .exitOverride()
  .addHelpText(
    'after',
    `
Quick start:
  nhi scan --demo            scan the built-in demo estate (no cloud account needed)
  nhi list                   every machine credential found
  nhi report                 findings, worst first, with reasons
  nhi check --fail-on high   CI gate: exit 1 when a high finding exists

Exit codes: 0 ok, 1 check failed, 2 usage/config/credentials error, 3 partial scan,
            4 scan failed, 5 doctor: nothing authenticates, 70 internal error,
            130 interrupted (Ctrl-C)`,
  );

// Connector flags (--profile, --github-org, …) are added from each connector's declared
// options when scan or doctor runs: see connector-flags.ts.
const scan = program
  .command('scan')
  .description('inventory machine credentials into the catalog')
  .option('-p, --provider <ids>', `providers to scan, comma separated (${PROVIDER_IDS.join(',')})`)
  .option('--demo', 'scan the built-in demo estate through local stand-ins of every provider')
  .option('--no-score', 'skip scoring after the scan')
  .option('--shard <i/n>', 'scan only shard i of n (stable by scope), for a CI matrix')
  .option(
    '--run-group <id>',
    'the logical scan this run belongs to: views read its shards as one scan (default: NHI_RUN_GROUP, or the GitHub Actions run)',
  )
  .option('--top <n>', 'name the n worst findings with their fix at the end (default 5; 0: none)')
  .action(lazy('scan'));

program
  .command('list')
  .description('list credentials (or identities) in the catalog, worst first')
  .option('--identities', 'list identities (roles, service accounts, apps…) instead of credentials')
  .option('-p, --provider <ids>', 'only these providers (comma separated)')
  .option('-t, --type <types>', 'only these credential types, or identity kinds (comma separated)')
  .option('--status <statuses>', 'only these statuses: active,inactive,expired,unknown')
  .option('--scope <id>', 'only this account / org / tenant / project')
  .option('--band <bands>', 'only these risk bands: critical,high,medium,low')
  .option('--ai', 'only credentials (or identities) that reach an AI service')
  .option('--removed', 'include credentials no longer seen')
  .option('--sort <key>', 'score | age | last-used | provider', 'score')
  .option('--limit <n>', 'at most n rows (table default 200; 0 or all: every row)')
  .option('--owner <owner>', 'only what this owner answers for (see nhi owners)')
  .option('--team <team>', 'only what this team answers for')
  .action(lazy('list'));

program
  .command('show')
  .description('one credential or identity: details, grants, findings, history')
  .argument('<id>', 'short id (c-…, i-…), external id (AKIA…, ARN) or identity name')
  .action(lazy('show'));

addFindingFilterOptions(
  program
    .command('report')
    .description('findings, worst first, with the reason in words')
    .option('--min-severity <severity>', 'only findings at or above: critical, high, medium, low'),
)
  .option('--ai', 'only findings about subjects that reach an AI service')
  .option('--limit <n>', 'at most n findings (terminal table default 50; 0 or all: every one)')
  .option(
    '--group-by <keys>',
    'finding counts per provider, scope, rule or severity (comma separated)',
  )
  .option('-o, --output <file>', 'write the report to a file')
  .option(
    '--html-findings <n>',
    'html: rows of the findings table, highest-scored first (default 1000; 0 or all: every one)',
  )
  .option('--owner <owner>', 'only what this owner answers for (see nhi owners)')
  .option('--team <team>', 'only what this team answers for')
  .action(lazy('report'));

program
  .command('posture')
  .description(
    'KPIs: inventory, coverage, rotation, privilege, hygiene, ownership, findings; trend',
  )
  .option('--runs <n>', 'trend over the last n scans (default 5)')
  .option('--since <date>', 'trend over the scans since this date')
  .option('-p, --provider <ids>', 'only these providers (overall figures stay)')
  .option('--scope <id>', 'only this scope in the per-scope table')
  .action(lazy('posture'));

addFindingFilterOptions(
  program
    .command('check')
    .description('CI gate: exit 1 when a finding at or above --fail-on exists')
    .option('--fail-on <severity>', 'critical | high | medium | low', 'high'),
)
  .option('--new-only', 'only findings not present in the previous scan')
  .option('--ai', 'only findings about subjects that reach an AI service')
  .option('--baseline <file>', 'accepted findings (JSON, kept under version control)')
  .option(
    '--update-baseline',
    'rewrite --baseline with the findings this check would fail on (at or above --fail-on, within the filters), keeping the reason and expiry of entries already there; exit 0',
  )
  .option('-o, --output <file>', 'write the findings in --format (e.g. sarif) to a file')
  .option('--owner <owner>', 'only what this owner answers for (see nhi owners)')
  .option('--team <team>', 'only what this team answers for')
  .action(lazy('check'));

addFindingFilterOptions(
  program
    .command('rules')
    .description('every rule: severity, OWASP NHI and CIS ids, defaults, the data it needs'),
  { providers: false, scopes: false },
).action(lazy('rules'));

program
  .command('owners')
  .description('who answers for what: per owner and team, their credentials, risk and what to do')
  .option('--owner <owner>', 'only this owner')
  .option('--team <team>', 'only this team')
  .option('--unowned', 'only identities without an owner, with the best candidate and why')
  .action(lazy('owners'));

program
  .command('runs')
  .description('scan runs, newest first: status, scopes, counts; their ids are what diff takes')
  .option('--limit <n>', 'at most n runs (table default 20; 0 or all: every run)')
  .action(lazy('runs'));

program
  .command('prune')
  .description("remove old scans' findings, gaps and history so the catalog stops growing")
  .option('--keep-runs <n>', 'keep the newest n scans')
  .option('--older-than <age>', 'remove only scans older than this (90d, 12w, 6m, or a date)')
  .option('--dry-run', 'say what would be removed; change nothing')
  .action(lazy('prune'));

program
  .command('diff')
  .description(
    'what changed between two scans, grouped: credentials, findings, status, expiry, owner',
  )
  .option('--from <run>', 'earlier scan id, from nhi runs (default: the one before --to)')
  .option('--to <run>', 'later scan id, from nhi runs (default: the latest)')
  .option(
    '--since <when>',
    'compare with the first scan at or after this date or age (2026-10-01, 7d, 12w)',
  )
  .action(lazy('diff'));

program
  .command('init')
  .description('write a commented nhi.config.yaml with every rule and its defaults')
  .option('--force', 'overwrite an existing file')
  .option('--stdout', 'print instead of writing')
  .action(lazy('init'));

const doctor = program
  .command('doctor')
  .description('check which connectors can authenticate and what they cannot see')
  .option('-p, --provider <ids>', 'providers to check (default: configured ones, else all)')
  .option('--demo', "check the demo estate's stand-ins (what the demo scan would see)")
  .action(lazy('doctor'));

program
  .command('revoke')
  .description('plan (and with --apply run) the staged revocation of a credential')
  .argument('<id>', 'credential: short id (c-…) or external id (AKIA…)')
  .option('--apply', 'apply the plan (it is saved and printed first)')
  .option('-y, --yes', 'do not ask before destructive or irreversible steps')
  .action(lazy('revoke'));

program
  .command('trim')
  .description(
    "plan (and with --apply run) removing an identity's unused privilege: a before → after diff of its permissions",
  )
  .argument('<identity>', 'identity: short id (i-…), ARN or name')
  .option('--window-days <n>', 'unused = not used for this many days (default 90)')
  .option('--min-age-days <n>', 'identities younger than this are not trimmed (default 90)')
  .option(
    '--sink <scheme:target>',
    'GitHub write deploy keys: replace each by a read-only key, its private key going here ({credential} names one per key)',
  )
  .option('--overwrite-sink', 'file sink: replace an existing file')
  .option(
    '--cutover <when>',
    "with --sink: retire the old key 'now' or once the new one is 'in-use' (default)",
  )
  .option('--overlap-days <n>', 'with --sink: longest wait for the new key to be used')
  .option(
    '--confirm-unused',
    'with --sink: replace keys even where the scan has no evidence their write access is unused',
  )
  .option('--apply', 'apply the plan (it is saved and printed first)')
  .option('-y, --yes', 'do not ask before changing policies')
  .action(lazy('trim'));

program
  .command('rotate')
  .description(
    'plan (and with --apply run) a rotation: new credential into a sink, old one retired',
  )
  .argument('<id>', 'credential: short id (c-…) or external id (AKIA…)')
  .option(
    '--sink <scheme:target>',
    'where the new secret goes: aws-secrets-manager:NAME, github-actions:OWNER/REPO:NAME, azure-key-vault:VAULT/NAME, file:PATH, stdout',
  )
  .option('--overwrite-sink', 'file sink: replace an existing file')
  .option(
    '--cutover <when>',
    "retire the old credential 'now' (right after delivery) or once the new one is 'in-use' (default; at most --overlap-days)",
  )
  .option(
    '--overlap-days <n>',
    'longest wait for the new credential to be used (config playbooks.overlapDays, default 7)',
  )
  .option('--apply', 'apply the plan (it is saved and printed first)')
  .option('-y, --yes', 'do not ask before destructive or irreversible steps')
  .action(lazy('rotate'));

program
  .command('remediate')
  .description("one saved plan per credential a rule flags, using the rule's playbook")
  .requiredOption('--rule <id>', 'rule id (e.g. credential-unused)')
  .option('--plan', 'only plan (the default)')
  .option('--apply', 'apply every plan')
  .option('-y, --yes', 'do not ask before destructive or irreversible steps')
  .option('--sink <scheme:target>', 'rotation sink; {identity} and {credential} are filled in')
  .option('--overwrite-sink', 'file sink: replace an existing file')
  .option(
    '--cutover <when>',
    "rotation: retire old credentials 'now' or once the new ones are 'in-use' (default)",
  )
  .option('--overlap-days <n>', 'rotation: longest wait for a new credential to be used')
  .option(
    '--window-days <n>',
    'unused-grant/admin-grant (trim): unused = not used for n days (default 90)',
  )
  .option(
    '--min-age-days <n>',
    'unused-grant/admin-grant (trim): skip identities younger than n days (default 90)',
  )
  .option(
    '--confirm-unused',
    'unused-grant (trim with --sink): replace GitHub write deploy keys even without evidence that write access is unused',
  )
  .action(lazy('remediate'));

const playbook = program
  .command('playbook')
  .description('saved playbook runs: list, show, resume, rollback, cancel, audit');
playbook
  .command('list')
  .description('every run and its status')
  .option('--open', 'only runs still open (planned, waiting, stopped, failed…)')
  .option('--stale', 'only plans never applied that the catalog has moved past')
  .action(lazy('playbook list'));
playbook
  .command('show')
  .description('a run: its plan and journal')
  .argument('<run>')
  .action(lazy('playbook show'));
playbook
  .command('resume')
  .description('apply a saved plan, finish an interrupted run, or run what is due (--due)')
  .argument('[run]')
  .option('--due', 'every run with a due deletion or a cut-over to check (for cron)')
  .option('-y, --yes', 'do not ask before destructive or irreversible steps')
  .action(lazy('playbook resume'));
playbook
  .command('rollback')
  .description('undo what a run did (deletions cannot be undone)')
  .argument('<run>')
  .option('-y, --yes', 'do not ask (required without a terminal)')
  .action(lazy('playbook rollback'));
playbook
  .command('cancel')
  .description('cancel a planned or waiting run; what it did stays as it is')
  .argument('[runs...]')
  .option('--stale', 'every stale plan (see list --stale)')
  .action(lazy('playbook cancel'));
playbook
  .command('audit')
  .description('the tamper-evident audit log of applied actions')
  .option('--export <file>', "write it as JSON lines with an anchor ('-' for stdout)")
  .option(
    '--verify [file]',
    'check the keyed chain and anchors (of the catalog, or of an exported file)',
  )
  .option('--against <export>', 'verify the catalog still holds everything an earlier export held')
  .action(lazy('playbook audit'));

const catalogCmd = program
  .command('catalog')
  .description('move a catalog (SQLite to a PostgreSQL team catalog) and check its integrity');
for (const name of ['copy', 'migrate'])
  catalogCmd
    .command(name)
    .description('copy an SQLite catalog with its whole history into an empty PostgreSQL catalog')
    .requiredOption('--from <sqlite:file>', 'the SQLite catalog (sqlite:PATH or a path)')
    .requiredOption(
      '--to <postgres-url>',
      'postgres://user@host:port/db (password from PGPASSWORD or ~/.pgpass)',
    )
    .action(lazy(`catalog ${name}` as CommandPath));
catalogCmd
  .command('check')
  .description(
    "verify the catalog's integrity: schema version, references, the latest scan's evaluation, the audit chain (exit 1 when one fails)",
  )
  .action(lazy('catalog check'));

program
  .command('completion')
  .description('print a shell completion script (bash, zsh or fish)')
  .argument('<shell>', 'bash | zsh | fish')
  .action(lazy('completion'));
// What the completion script calls on TAB; not for people.
program
  .command('completion-server', { hidden: true })
  .allowUnknownOption()
  .allowExcessArguments()
  .action(lazy('completion-server'));

for (const cmd of program.commands) cmd.addHelpText('after', examplesText(cmd.name()));

/** Parses argv and runs; returns the exit code. */
async function main(argv: string[]): Promise<number> {
  try {
    if (argv.some((a) => a === 'scan' || a === 'doctor'))
      await (await dispatch()).addConnectorFlags([scan, doctor]);
    await program.parseAsync(argv);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version are not errors; every other parse error is a usage error.
      return err.exitCode === 0 ||
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version'
        ? EXIT.ok
        : EXIT.usage;
    }
    return (await dispatch()).reportError(err, argv.includes('--debug'));
  }
}

// `nhi list | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

// CommonJS has no top-level await. What escapes main (the ESM side failing to load: a broken
// install) is a bug like any other: its stack and exit 70.
void main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`nhi: internal error: ${String((err as Error)?.stack ?? err)}\n`);
    process.exitCode = EXIT.internal;
  },
);
