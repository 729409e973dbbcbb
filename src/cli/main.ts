/**
 * Command table. Only commander is loaded at start-up; each command's module (and with it
 * SQLite, chalk, the SDKs) is imported when that command runs, so `nhi --help` stays fast.
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT } from './exit-codes.js';
import { reportError } from './errors.js';
import { VERSION } from '../version.js';

type Action = (cmd: Command, args: string[]) => Promise<number | void>;
const lazy =
  (load: () => Promise<{ run: Action }>) =>
  async (...params: unknown[]): Promise<void> => {
    const cmd = params[params.length - 1] as Command;
    const args = params.slice(0, -2).map(String);
    const code = await (await load()).run(cmd, args);
    if (typeof code === 'number') process.exitCode = code;
  };

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
    ]),
  )
  .option('--json', 'same as --format json')
  .option('--no-color', 'no colours (also NO_COLOR)')
  .option('-q, --quiet', 'only errors and the requested output')
  .option('--debug', 'verbose diagnostics and stack traces')
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
            4 scan failed, 70 internal error`,
  );

program
  .command('scan')
  .description('inventory machine credentials into the catalog')
  .option('-p, --provider <ids>', 'providers to scan, comma separated (aws,github,azure,gcp)')
  .option('--demo', 'scan the built-in demo estate through local stand-ins of every provider')
  .option('--profile <name>', 'AWS profile (default chain otherwise)')
  .option('--region <region>', 'AWS region for STS/Organizations')
  .option('--all-accounts', 'AWS: scan every account of the organization')
  .option('--role-name <name>', 'AWS: role to assume in member accounts', undefined)
  .option('--github-org <org...>', 'GitHub organization(s) to scan')
  .option('--github-api-url <url>', 'GitHub Enterprise Server API URL (env GITHUB_API_URL)')
  .option(
    '--github-token-env <name>',
    'environment variable holding the GitHub token (default GITHUB_TOKEN)',
  )
  .option('--azure-tenant <id>', 'Azure tenant id (env AZURE_TENANT_ID)')
  .option('--azure-subscription <id...>', 'Azure subscriptions to scan (default: all visible)')
  .option('--gcp-project <id...>', 'GCP project(s) to scan')
  .option('--gcp-organization <id>', 'GCP: scan every project of the organization')
  .option('--no-score', 'skip scoring after the scan')
  .action(lazy(() => import('./commands/scan.js')));

program
  .command('list')
  .description('list credentials in the catalog')
  .option('-p, --provider <ids>', 'only these providers (comma separated)')
  .option('-t, --type <types>', 'only these credential types (comma separated)')
  .option('--status <statuses>', 'only these statuses: active,inactive,expired,unknown')
  .option('--scope <id>', 'only this account / org / tenant / project')
  .option('--band <bands>', 'only these risk bands: high,medium,low')
  .option('--removed', 'include credentials no longer seen')
  .option('--sort <key>', 'score | age | last-used | provider', 'score')
  .option('--limit <n>', 'at most n rows (table default 200)')
  .action(lazy(() => import('./commands/list.js')));

program
  .command('show')
  .description('one credential or identity: details, grants, findings, history')
  .argument('<id>', 'short id (c-…, i-…), external id (AKIA…, ARN) or identity name')
  .action(lazy(() => import('./commands/show.js')));

program
  .command('doctor')
  .description('check which connectors can authenticate and what they cannot see')
  .option('-p, --provider <ids>', 'providers to check (default: configured ones, else all)')
  .action(lazy(() => import('./commands/doctor.js')));

/** Parses argv and runs; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
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
    return reportError(err, argv.includes('--debug'));
  }
}

export { program };

process.exitCode = await main(process.argv);
