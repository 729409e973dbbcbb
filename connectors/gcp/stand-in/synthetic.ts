/**
 * A synthetic organization of any size for benchmarks: `projects` projects spread over ten
 * folders, `serviceAccountsPerProject` service accounts each with one user-managed and one
 * system-managed key, last-authentication activity, two roles per account (one of them on
 * Vertex AI for every fifth account), a REMOVE_ROLE recommendation for every tenth, and two
 * API keys per project (one unrestricted). Deterministic: same sizes, same estate.
 */
import { NEVER_EXPIRES, type GcpEstate, type StandInProject } from './estate.js';

const FOLDERS = 10;
const DAY_MS = 86_400_000;

export function syntheticOrganization(opts: {
  projects: number;
  serviceAccountsPerProject: number;
  now: Date;
}): GcpEstate {
  const ago = (days: number) =>
    new Date(opts.now.getTime() - days * DAY_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const orgId = '900000000001';
  const folders = Array.from({ length: FOLDERS }, (_, f) => ({
    id: String(800000000000 + f),
    displayName: `Business unit ${f}`,
    parent: `organizations/${orgId}`,
    bindings: [],
  }));
  const projects = Array.from({ length: opts.projects }, (_, p): StandInProject => {
    const projectId = `synthetic-${String(p).padStart(4, '0')}`;
    const accounts = Array.from({ length: opts.serviceAccountsPerProject }, (_, a) => {
      const n = p * opts.serviceAccountsPerProject + a;
      return {
        accountId: `workload-${a}`,
        uniqueId: String(100000000000000000000n + BigInt(n)),
        displayName: `Workload ${a} of ${projectId}`,
        ...(n % 7 ? { lastAuthenticatedTime: ago(n % 200) } : {}),
        keys: [
          {
            keyId: n.toString(16).padStart(40, '0'),
            keyType: 'USER_MANAGED' as const,
            validAfterTime: ago(30 + (n % 700)),
            validBeforeTime: NEVER_EXPIRES,
            ...(n % 3 ? { lastAuthenticatedTime: ago(n % 150) } : {}),
          },
          {
            keyId: `f${n.toString(16).padStart(39, '0')}`,
            keyType: 'SYSTEM_MANAGED' as const,
            validAfterTime: ago(3),
            validBeforeTime: ago(-11),
          },
        ],
      };
    });
    const member = (a: number) =>
      `serviceAccount:workload-${a}@${projectId}.iam.gserviceaccount.com`;
    const all = accounts.map((_, a) => a);
    return {
      projectId,
      projectNumber: String(500000000000 + p),
      displayName: `Synthetic project ${p}`,
      parent: `folders/${folders[p % FOLDERS]!.id}`,
      createTime: ago(1000),
      serviceAccounts: accounts,
      bindings: [
        { role: 'roles/storage.objectViewer', members: all.map(member) },
        { role: 'roles/aiplatform.user', members: all.filter((a) => a % 5 === 0).map(member) },
        { role: 'roles/editor', members: all.filter((a) => a % 5 !== 0).map(member) },
      ],
      recommendations: all
        .filter((a) => a % 10 === 1)
        .map((a) => ({ member: member(a), role: 'roles/editor', subtype: 'REMOVE_ROLE' as const })),
      apiKeys: [
        {
          uid: `${p.toString(16).padStart(31, '0')}a`,
          displayName: 'Web app',
          createTime: ago(90),
        },
        {
          uid: `${p.toString(16).padStart(31, '0')}b`,
          displayName: 'Gemini batch',
          createTime: ago(20),
          restrictions: { apiTargets: [{ service: 'generativelanguage.googleapis.com' }] },
        },
      ],
    };
  });
  return {
    organization: { id: orgId, displayName: 'synthetic.example', bindings: [] },
    folders,
    projects,
  };
}
