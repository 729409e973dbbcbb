/**
 * AWS payloads: the SDK's own types (type-only, so nothing here loads the SDK) and zod schemas
 * for what each answer must contain to be the document asked for. The SDK deserialises any XML
 * or JSON it is given and leaves absent members undefined; these schemas are what turns "absent"
 * into an `invalid-response` (the scope fails) instead of "none" (the estate looks empty).
 * The response middleware in wire.ts checks the document's root element before this.
 */
import { z } from 'zod';
import type {
  AccessKeyMetadata,
  AttachedPolicy,
  PolicyDetail,
  Tag,
  GroupDetail,
  ManagedPolicyDetail,
  Role,
  RoleDetail,
  ServiceLastAccessed,
  ServiceSpecificCredentialMetadata,
  UserDetail,
} from '@aws-sdk/client-iam';

export type RawUser = UserDetail;
/** GAAD's RoleDetail, plus what ListRoles adds when GAAD is denied. */
export type RawRole = RoleDetail & Pick<Role, 'Description' | 'MaxSessionDuration'>;
export type RawGroup = GroupDetail;
export type RawManagedPolicy = ManagedPolicyDetail;
export type RawAccessKey = AccessKeyMetadata;
export type RawServiceCredential = ServiceSpecificCredentialMetadata;
export type RawPolicyRef = AttachedPolicy;
export type RawInlinePolicy = PolicyDetail;
export type RawTag = Tag;
export type RawServiceAccess = Pick<ServiceLastAccessed, 'ServiceNamespace' | 'LastAuthenticated'>;

/** GetAccountAuthorizationDetails, every page gathered (or the List* calls when it is denied). */
export interface AuthorizationDetails {
  users: RawUser[];
  roles: RawRole[];
  groups: RawGroup[];
  policies: RawManagedPolicy[];
}

/* ----- what each answer must carry (members the API reference marks as required) ----- */

const list = <T extends z.ZodType>(item: T) => z.array(item);
const named = (key: string) => z.looseObject({ [key]: z.string().min(1) });

export const answers = {
  GetCallerIdentity: z.looseObject({ Account: z.string().min(1), Arn: z.string().min(1) }),
  AssumeRole: z.looseObject({
    Credentials: z.looseObject({
      AccessKeyId: z.string().min(1),
      SecretAccessKey: z.string().min(1),
      SessionToken: z.string().optional(),
      Expiration: z.date().optional(),
    }),
  }),
  ListAccountAliases: z.looseObject({ AccountAliases: list(z.string()) }),
  GenerateCredentialReport: z.looseObject({ State: z.string().min(1) }),
  GetCredentialReport: z.looseObject({
    Content: z.instanceof(Uint8Array),
    GeneratedTime: z.date(),
  }),
  // Every list is optional in the API model: the <…Result> element (wire.ts) is the guard.
  GetAccountAuthorizationDetails: z.looseObject({
    UserDetailList: list(named('UserName')).optional(),
    RoleDetailList: list(named('RoleName')).optional(),
    GroupDetailList: list(named('GroupName')).optional(),
    Policies: list(named('Arn')).optional(),
  }),
  ListUsers: z.looseObject({ Users: list(named('UserName')) }),
  LookupEvents: z.looseObject({
    Events: list(
      z.looseObject({
        EventName: z.string().optional(),
        Username: z.string().optional(),
        Resources: list(
          z.looseObject({
            ResourceType: z.string().optional(),
            ResourceName: z.string().optional(),
          }),
        ).optional(),
      }),
    ).optional(),
    NextToken: z.string().optional(),
  }),
  ListRoles: z.looseObject({ Roles: list(named('RoleName')) }),
  ListGroups: z.looseObject({ Groups: list(named('GroupName')) }),
  ListAccessKeys: z.looseObject({ AccessKeyMetadata: list(named('AccessKeyId')) }),
  ListServiceSpecificCredentials: z.looseObject({
    // Optional in the API model: an empty listing may leave it out.
    ServiceSpecificCredentials: list(named('ServiceSpecificCredentialId')).optional(),
  }),
  GetAccessKeyLastUsed: z.looseObject({ AccessKeyLastUsed: z.looseObject({}) }),
  GenerateServiceLastAccessedDetails: z.looseObject({ JobId: z.string().min(1) }),
  GetServiceLastAccessedDetails: z.looseObject({
    JobStatus: z.enum(['IN_PROGRESS', 'COMPLETED', 'FAILED']),
    ServicesLastAccessed: list(z.looseObject({})),
  }),
  SimulatePrincipalPolicy: z.looseObject({ EvaluationResults: list(named('EvalActionName')) }),
  CreateAccessKey: z.looseObject({
    AccessKey: z.looseObject({
      AccessKeyId: z.string().min(1),
      SecretAccessKey: z.string().min(1),
    }),
  }),
  ListAccounts: z.looseObject({ Accounts: list(named('Id')).optional() }),
} as const;

export type AnswerName = keyof typeof answers;
