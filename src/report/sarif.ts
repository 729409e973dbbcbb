/**
 * `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
 * Every finding gets a stable logical location (`provider/scope/identity/credential`) and a
 * physical one (`nhi://…`) because code scanning requires one; partialFingerprints carry the
 * finding fingerprint so alerts follow the credential across runs. Output is deterministic.
 */
import type { Location, Log, ReportingDescriptor, Result } from 'sarif';
import type { Finding, Severity } from '../model/index.js';
import { RULES } from '../scoring/rules/index.js';
import type { RuleMeta } from '../scoring/types.js';
import { logicalName, subjectUri } from './common.js';
import { jsonArray, jsonDocument, jsonText } from './json.js';
import { renderInput, type Renderer, type ReportHead } from './stream.js';
import type { ReportInput } from './types.js';
import { cmp } from '../scoring/compare.js';
import { ruleHelpText } from '../scoring/docs.js';
import { fixText } from '../scoring/fix.js';

export interface SarifOptions {
  toolVersion: string;
  informationUri?: string;
  /** Rule metadata to describe; defaults to every registered rule. */
  rules?: readonly RuleMeta[];
}

const LEVEL: Record<Severity, Result.level> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub orders code-scanning alerts by this (0–10). */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

function pascal(id: string): string {
  return id
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function descriptor(rule: RuleMeta): ReportingDescriptor {
  const cis = Object.entries(rule.cis).map(([p, id]) => `${p}: ${id}`);
  const mapping = [`OWASP Non-Human Identities Top 10 (2025) ${rule.owasp}`, ...cis];
  return {
    id: rule.id,
    name: pascal(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: {
      text: `${ruleHelpText(rule)}\n\nMaps to: ${mapping.join('; ')}.`,
      markdown: `${rule.help}\n\n**Maps to:** ${mapping.join('; ')}.${rule.defaultsFrom ? `\n\n**Defaults:** ${rule.defaultsFrom}.` : ''}\n\n**How to fix:**\n\n\`\`\`text\n${fixText(rule.fix)}\n\`\`\``,
    },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: {
      tags: [
        'security',
        'non-human-identity',
        `owasp-nhi:${rule.owasp}`,
        ...Object.values(rule.cis),
      ],
      precision: 'high',
      'security-severity': SECURITY_SEVERITY[rule.severity],
      ...(rule.playbook ? { playbook: rule.playbook } : {}),
    },
  };
}

/** One result; `index` maps rule ids to their position in `tool.driver.rules`. */
function result(f: Finding, index: ReadonlyMap<string, number>): Result {
  const name = logicalName(f);
  const location: Location = {
    physicalLocation: { artifactLocation: { uri: subjectUri(f) }, region: { startLine: 1 } },
    logicalLocations: [
      {
        name: f.credentialExternalId ?? f.identityName,
        fullyQualifiedName: name,
        kind: f.subjectKind === 'credential' ? 'credential' : 'identity',
      },
    ],
  };
  const r: Result = {
    ruleId: f.ruleId,
    kind: f.outcome === 'fail' ? 'fail' : 'open',
    // SARIF: a result that is not a failure carries level "none".
    level: f.outcome === 'fail' ? LEVEL[f.severity] : 'none',
    message: { text: `${f.message} [${name}]` },
    locations: [location],
    partialFingerprints: { 'nhiFingerprint/v1': f.fingerprint },
    properties: {
      severity: f.severity,
      outcome: f.outcome,
      points: f.points,
      subjectId: f.subjectId,
      provider: f.provider,
      scopeId: f.scopeId,
      scopeName: f.scopeName,
      identityExternalId: f.identityExternalId,
      owasp: f.owasp,
      ...(f.cis ? { cis: f.cis } : {}),
      ...(f.playbook ? { playbook: f.playbook } : {}),
      ...(f.fix && 'playbook' in f.fix ? { fixCommand: f.fix.command } : {}),
      ...(f.owner ? { owner: f.owner } : {}),
      ...(f.team ? { team: f.team } : {}),
      ...(f.ownerVia ? { ownerVia: f.ownerVia } : {}),
      ...(f.purpose ? { purpose: f.purpose } : {}),
      evidence: f.evidence,
    },
  };
  const i = index.get(f.ruleId);
  if (i !== undefined) r.ruleIndex = i;
  return r;
}

/**
 * The log, its results streamed from `findings` (which must come in SARIF order: rule, then
 * logical name, then fingerprint).
 */
export function sarifRenderer(head: ReportHead, opts: SarifOptions): Renderer {
  const rules = [...(opts.rules ?? RULES)].sort((a, b) => cmp(a.id, b.id));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'nhi',
            version: opts.toolVersion,
            semanticVersion: opts.toolVersion,
            ...(opts.informationUri ? { informationUri: opts.informationUri } : {}),
            rules: rules.map(descriptor),
          },
        },
        ...(head.generatedAt
          ? { invocations: [{ executionSuccessful: true, endTimeUtc: head.generatedAt }] }
          : {}),
        results: [],
        columnKind: 'unicodeCodePoints',
      },
    ],
  };
  return (function* (): Renderer {
    yield* jsonDocument(jsonText(log, 2), [
      ['results', (pad) => jsonArray<Finding>('findings', pad, (f) => result(f, index))],
    ]);
    yield '\n';
  })();
}

export function renderSarif(input: ReportInput, opts: SarifOptions): string {
  return renderInput((head) => sarifRenderer(head, opts), input, 'sarif');
}
