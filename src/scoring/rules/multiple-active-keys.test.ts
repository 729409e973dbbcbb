import { multipleActiveKeys as rule } from './multiple-active-keys.js';
import { ruleTable } from '../test-table.js';
import { ago, credential, gap, identity } from '../testing.js';

const i = identity();
const older = credential(i, { id: 'c-old', externalId: 'AKIAOLD', createdAt: ago(200) });
const newer = credential(i, { id: 'c-new', externalId: 'AKIANEW', createdAt: ago(3) });

ruleTable(rule, [
  {
    name: 'one active key (at the limit): fine',
    data: () => ({ identities: [i], credentials: [older] }),
    expect: 'pass',
  },
  {
    name: 'two active keys: the older is flagged and the evidence names both',
    data: () => ({ identities: [i], credentials: [newer, older] }),
    expect: 'fail',
    subject: 'c-old',
    evidence: {
      activeCount: 2,
      keep: ['AKIANEW'],
      activeKeys: [{ externalId: 'AKIANEW' }, { externalId: 'AKIAOLD' }],
    },
  },
  {
    name: 'two keys, one inactive: fine',
    data: () => ({ identities: [i], credentials: [newer, { ...older, status: 'inactive' }] }),
    expect: 'pass',
  },
  {
    name: 'two keys of different types: each type is within its limit',
    data: () => ({
      identities: [i],
      credentials: [newer, { ...older, type: 'service-account-key' }],
    }),
    expect: 'pass',
  },
  {
    name: 'policy allows two: two keys pass',
    data: () => ({ identities: [i], credentials: [newer, older] }),
    policy: { rules: { 'multiple-active-keys': { options: { maxActive: 2 } } }, exceptions: [] },
    expect: 'pass',
  },
  {
    name: 'access keys could not be listed (gap): the user is not evaluated',
    data: () => ({ identities: [i], gaps: [gap(i, 'access-keys')] }),
    expect: 'not-evaluated',
  },
]);
