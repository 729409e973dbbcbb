import { humanTraits as rule } from './human-traits.js';
import { ruleTable } from '../test-table.js';
import { credential, gap, identity } from '../testing.js';

const u = (attributes: Record<string, unknown>) => identity({ attributes });
ruleTable(rule, [
  {
    name: 'key only, no password: fine',
    data: () => {
      const i = u({ consolePassword: false, mfaActive: false });
      return { identities: [i], credentials: [credential(i)] };
    },
    expect: 'pass',
  },
  {
    name: 'key and console password: flagged',
    data: () => {
      const i = u({ consolePassword: true });
      return { identities: [i], credentials: [credential(i)] };
    },
    expect: 'fail',
    evidence: {
      humanTraits: ['console-password'],
      programmaticCredentials: ['AKIAEXAMPLE000000001'],
    },
  },
  {
    name: 'key and MFA device: flagged',
    data: () => {
      const i = u({ mfaActive: true });
      return { identities: [i], credentials: [credential(i)] };
    },
    expect: 'fail',
    evidence: { humanTraits: ['mfa-device'] },
  },
  {
    name: 'console-password credential record: flagged',
    data: () => {
      const i = u({});
      return {
        identities: [i],
        credentials: [
          credential(i),
          credential(i, { id: 'c-2', type: 'console-password', externalId: 'password' }),
        ],
      };
    },
    expect: 'fail',
  },
  {
    name: 'a human with a password and no keys: not a machine identity',
    data: () => {
      const i = u({ consolePassword: true });
      return { identities: [i] };
    },
    expect: 'pass',
  },
  {
    name: 'password state unreadable (credential report gap): not evaluated',
    data: () => {
      const i = u({});
      return { identities: [i], credentials: [credential(i)], gaps: [gap(i, 'credential-report')] };
    },
    expect: 'not-evaluated',
  },
]);
