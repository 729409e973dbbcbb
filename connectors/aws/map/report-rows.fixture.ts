/** Credential report rows shared by the map tests: a root row with a key, a key user, a person. */
import { CREDENTIAL_REPORT_COLUMNS } from './credential-report.js';

export const header = CREDENTIAL_REPORT_COLUMNS.join(',');
export const root =
  '<root_account>,arn:aws:iam::111122223333:root,2019-01-01T00:00:00+00:00,not_supported,2026-10-01T08:00:00+00:00,not_supported,not_supported,true,true,2020-05-01T00:00:00+00:00,2026-10-30T10:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
export const ciBot =
  'ci-bot,arn:aws:iam::111122223333:user/ci-bot,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00+00:00,N/A,N/A,N/A,false,2024-06-01T00:00:00+00:00,2024-07-01T00:00:00+00:00,eu-west-1,ec2,false,N/A,false,N/A';
export const alice =
  'alice,arn:aws:iam::111122223333:user/alice,2023-01-01T00:00:00+00:00,true,2026-10-31T09:00:00+00:00,2026-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
