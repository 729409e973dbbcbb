import { thirdPartyAppWrite as rule } from './third-party-app-write.js';
import { ruleTable } from '../test-table.js';
import { grant, identity } from '../testing.js';

const app = (attributes: Record<string, unknown>, over = {}) =>
  identity({
    provider: 'github',
    scopeId: 'orbital-freight',
    scopeName: 'orbital-freight',
    kind: 'github-app',
    externalId: 'inst-7',
    name: 'shiny-ci',
    attributes,
    ...over,
  });
const perms = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, k) => [`p${k}`, 'write']));

ruleTable(rule, [
  {
    name: 'third party, exactly 3 write permissions: not broad',
    data: () => ({ identities: [app({ thirdParty: true, permissions: perms(3) })] }),
    expect: 'pass',
  },
  {
    name: 'third party, 4 write permissions: broad',
    data: () => ({ identities: [app({ thirdParty: true, permissions: perms(4) })] }),
    expect: 'fail',
    evidence: { writePermissions: ['p0', 'p1', 'p2', 'p3'] },
  },
  {
    name: 'third party, contents: write: sensitive',
    data: () => ({
      identities: [app({ thirdParty: true, permissions: { contents: 'write', metadata: 'read' } })],
    }),
    expect: 'fail',
    evidence: { sensitive: ['contents'] },
  },
  {
    name: 'third party, read only: fine',
    data: () => ({ identities: [app({ thirdParty: true, permissions: { contents: 'read' } })] }),
    expect: 'pass',
  },
  {
    name: "owned by another of the user's scanned orgs: the connector says first party",
    data: () => ({
      identities: [
        app({
          thirdParty: false,
          appOwner: 'orbital-freight-labs',
          permissions: { contents: 'write' },
        }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'own app with write: not third party',
    data: () => ({ identities: [app({ permissions: { contents: 'write' } })] }),
    expect: 'pass',
  },
  {
    name: 'multi-tenant Entra app from another tenant with a write grant: flagged',
    data: () => {
      const sp = identity({
        provider: 'azure',
        scopeId: 'tenant-1',
        scopeName: 'orbital',
        kind: 'service-principal',
        externalId: 'sp-1',
        name: 'VendorSync',
        attributes: { appOwnerOrganizationId: 'tenant-vendor' },
      });
      return {
        identities: [sp],
        grants: [grant(sp, { permission: 'Directory.ReadWrite.All', privilege: 'write' })],
      };
    },
    expect: 'fail',
  },
  {
    name: 'GitHub connector grants (repository:contents write): sensitive',
    data: () => {
      const a = app({ thirdParty: true });
      return {
        identities: [a],
        grants: [grant(a, { permission: 'repository:contents', privilege: 'write' })],
      };
    },
    expect: 'fail',
    evidence: { sensitive: ['repository:contents'] },
  },
]);
