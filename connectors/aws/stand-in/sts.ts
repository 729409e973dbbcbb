/** STS: who a caller is, and AssumeRole into a role whose trust policy lets the caller in. */
import { randomBytes } from 'node:crypto';
import { AwsError } from './errors.js';
import { isoSeconds, type XmlValue } from './query.js';
import { idFor, type StandInState } from './state.js';

export function sts(
  state: StandInState,
  action: string,
  p: URLSearchParams,
  accountId: string,
  caller: string,
): XmlValue {
  switch (action) {
    case 'GetCallerIdentity':
      return { UserId: idFor('AIDA', caller), Account: accountId, Arn: caller };
    case 'AssumeRole': {
      const arn = p.get('RoleArn') ?? '';
      const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
      const target = m ? state.accounts.get(m[1]!) : undefined;
      const role = target?.data.roles.find((r) => r.name === m![2]);
      const denied = () =>
        new AwsError(
          'AccessDenied',
          `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
          403,
        );
      if (!target || !role) throw denied();
      const wanted = /"sts:ExternalId":"([^"]+)"/.exec(JSON.stringify(role.trustPolicy))?.[1];
      if (wanted && wanted !== p.get('ExternalId')) throw denied();
      const session = p.get('RoleSessionName') ?? 'session';
      const keyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
      const assumed = `arn:aws:sts::${target.data.id}:assumed-role/${role.name}/${session}`;
      state.signers.set(keyId, { accountId: target.data.id, arn: assumed });
      const expiration = new Date(Date.now() + Number(p.get('DurationSeconds') ?? 3600) * 1000);
      return {
        Credentials: {
          AccessKeyId: keyId,
          SecretAccessKey: randomBytes(30).toString('base64').slice(0, 40),
          SessionToken: randomBytes(48).toString('base64'),
          Expiration: isoSeconds(expiration),
        },
        AssumedRoleUser: { AssumedRoleId: `${idFor('AROA', arn)}:${session}`, Arn: assumed },
      };
    }
    default:
      throw new AwsError(
        'InvalidAction',
        `The action ${action} is not valid for this web service.`,
        400,
      );
  }
}
