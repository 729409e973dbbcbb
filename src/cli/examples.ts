/**
 * Examples shown at the end of each command's help (`nhi <command> --help`), the way gh and
 * aws show them. Kept here, apart from the command table, and checked by test/help.test.ts:
 * every example names a real command and only options that command accepts.
 */
export const EXAMPLES: Record<string, string[]> = {
  scan: [
    'nhi scan --demo                                   # the built-in demo estate, no account needed',
    'nhi scan --provider aws --profile audit --all-accounts',
    'GITHUB_TOKEN=… nhi scan --provider github --github-org acme',
    'nhi scan --provider azure,gcp --format json > scan.json',
    'nhi scan --demo --top 10                          # name the 10 worst findings at the end',
  ],
  list: [
    'nhi list --provider aws --status active --sort last-used',
    'nhi list --band high --format csv > risky.csv',
    'nhi list --removed --limit 50',
    'nhi list --identities --type role,service-account --limit 20',
  ],
  show: [
    'nhi show AKIAIOSFODNN7EXAMPLE',
    'nhi show c-4495ba6a',
    'nhi show ci-deployer --format json',
  ],
  report: [
    'nhi report --min-severity high',
    'nhi report --format markdown --output findings.md',
    'nhi report --format sarif --output nhi.sarif --rule credential-rotation,credential-unused',
    'nhi report --group-by provider,severity          # counts per provider and severity',
    'nhi report --format html -o report.html           # KPIs, trend, charts, every finding',
  ],
  posture: [
    'nhi posture                                       # KPIs of the latest scan, trend over 5',
    'nhi posture --since 2026-10-01 --format markdown > posture.md',
    'nhi posture --runs 12 --json | jq .points[-1].groups[0].figures.rotationCompliant',
  ],
  check: [
    'nhi check --fail-on high                          # exit 1 when a high finding exists',
    'nhi check --fail-on high --baseline nhi-baseline.json --output nhi.sarif --format sarif',
    'nhi check --fail-on medium --new-only',
  ],
  rules: [
    'nhi rules                                         # every rule, its severity, OWASP/CIS ids, defaults',
    'nhi rules --owasp NHI5 --json',
    'nhi rules --cis 1.14                              # the rules behind a CIS item (also on report, check)',
  ],
  diff: [
    'nhi diff                                          # the latest scan against the one before',
    'nhi diff --since 7d                               # against the first scan of the last 7 days',
    'nhi diff --from 12 --to 14 --json newFindings,resolvedFindings',
    'nhi diff --since 2026-10-01 --format markdown > changes.md',
  ],
  runs: [
    'nhi runs                                          # newest first; the ids are what diff takes',
    'nhi runs --limit all --format csv > scans.csv',
    'nhi runs --jq \'.[] | select(.status != "ok") | .id\'',
  ],
  prune: [
    'nhi prune --keep-runs 30 --dry-run                # what would go, changing nothing',
    'nhi prune --older-than 90d                        # scans older than 90 days (the latest stays)',
    'nhi prune                                         # as catalog.retention in nhi.config.yaml says',
  ],
  init: ['nhi init', 'nhi init --stdout > nhi.config.yaml'],
  doctor: ['nhi doctor', 'nhi doctor --provider github --github-org acme', 'nhi doctor --demo'],
  revoke: ['nhi revoke AKIAIOSFODNN7EXAMPLE', 'nhi revoke c-4495ba6a --apply --yes'],
  rotate: [
    'nhi rotate AKIAIOSFODNN7EXAMPLE --sink aws-secrets-manager:prod/ci-deployer',
    'nhi rotate c-4495ba6a --sink github-actions:acme/api:AWS_SECRET_ACCESS_KEY --apply',
    'nhi rotate c-4495ba6a --sink file:./ci.env --cutover now --apply --yes   # no overlap',
  ],
  trim: [
    'nhi trim i-3f2a9c01                                # the plan: permissions before → after',
    'nhi trim arn:aws:iam::111122223333:role/app --apply',
    'nhi trim repo:acme/api --sink file:./keys/{credential}.env --apply   # write deploy keys → read-only',
  ],
  remediate: [
    'nhi remediate --rule credential-unused',
    'nhi remediate --rule credential-unused --apply --yes',
  ],
  playbook: [
    'nhi playbook list',
    'nhi playbook resume --due --yes -q              # the nightly cron entry',
    'nhi playbook list --open',
    'nhi playbook cancel --stale',
    'nhi playbook audit --export audit.jsonl && nhi playbook audit --against audit.jsonl',
  ],
  completion: [
    'nhi completion bash >> ~/.bashrc',
    'nhi completion zsh > "${fpath[1]}/_nhi"',
    'nhi completion fish > ~/.config/fish/completions/nhi.fish',
  ],
};

export function examplesText(command: string): string {
  const list = EXAMPLES[command];
  return list ? `\nExamples:\n${list.map((e) => `  ${e}`).join('\n')}` : '';
}
