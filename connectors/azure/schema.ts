/**
 * Graph and ARM payloads as zod schemas, parsed at the edge: a response that does not match is
 * an `invalid-response` ApiError naming the call, item and field (the scope fails), never
 * "empty". Field names are checked against the SDKs' own types (`satisfies`), so a typo cannot
 * silently parse nothing.
 */
import { z } from 'zod';
import type {
  AppCredentialSignInActivity,
  ServicePrincipalSignInActivity,
  SignInActivity,
} from '@microsoft/microsoft-graph-types-beta';
import type {
  Application,
  AppRoleAssignment,
  FederatedIdentityCredential,
  OAuth2PermissionGrant,
  Organization,
  PasswordCredential,
  ServicePrincipal,
} from '@microsoft/microsoft-graph-types';
import type { Account, AccountProperties } from '@azure/arm-cognitiveservices';
import { parsePayload } from '../../src/connector/index.js';
import { PROVIDER } from './options.js';

const str = z.string();
const optStr = z.string().nullish();
/** Keys of a schema, checked against the SDK type it stands for. */
type Shape<T> = Partial<Record<keyof T | '@odata.type', z.ZodType>>;

/* ----- Microsoft Graph ----- */

export const passwordCredentialSchema = z.object({
  keyId: str,
  displayName: optStr,
  /** The first characters of the secret Entra shows in the portal: a handle, not the secret. */
  hint: optStr,
  startDateTime: optStr,
  endDateTime: optStr,
} satisfies Shape<PasswordCredential>);

export const keyCredentialSchema = passwordCredentialSchema.omit({ hint: true }).extend({
  type: optStr,
  usage: optStr,
  /** The certificate thumbprint (SHA-1, hex) the portal lists. */
  customKeyIdentifier: optStr,
});

const ownerSchema = z.object({
  '@odata.type': optStr,
  id: str,
  displayName: optStr,
  userPrincipalName: optStr,
  appId: optStr,
  /** Users: false once disabled (an owner who left); absent for service principals. */
  accountEnabled: z.boolean().nullish(),
});

export const applicationSchema = z.object({
  id: str,
  appId: str,
  displayName: optStr,
  createdDateTime: optStr,
  signInAudience: optStr,
  passwordCredentials: z.array(passwordCredentialSchema).nullish(),
  keyCredentials: z.array(keyCredentialSchema).nullish(),
  /** Absent when owners were not expanded; [] when the app has none. */
  owners: z.array(ownerSchema).optional(),
  tags: z.array(str).nullish(),
} satisfies Shape<Application>);

export const servicePrincipalSchema = z.object({
  id: str,
  appId: str,
  displayName: optStr,
  servicePrincipalType: optStr,
  appOwnerOrganizationId: optStr,
  accountEnabled: z.boolean().nullish(),
  alternativeNames: z.array(str).nullish(),
  passwordCredentials: z.array(passwordCredentialSchema).nullish(),
  keyCredentials: z.array(keyCredentialSchema).nullish(),
  appRoles: z.array(z.object({ id: str, value: optStr, displayName: optStr })).nullish(),
  tags: z.array(str).nullish(),
} satisfies Shape<ServicePrincipal>);

export const federatedCredentialSchema = z.object({
  id: str,
  name: str,
  issuer: str,
  subject: optStr,
  audiences: z.array(str).nullish(),
  description: optStr,
} satisfies Shape<FederatedIdentityCredential>);

export const appRoleAssignmentSchema = z.object({
  id: str,
  appRoleId: str,
  principalId: str,
  resourceId: str,
  resourceDisplayName: optStr,
  createdDateTime: optStr,
} satisfies Shape<AppRoleAssignment>);

export const oauth2GrantSchema = z.object({
  id: str,
  clientId: str,
  consentType: optStr,
  principalId: optStr,
  resourceId: str,
  scope: optStr,
} satisfies Shape<OAuth2PermissionGrant>);

export const signInActivitySchema = z
  .object({
    lastSignInDateTime: optStr,
    lastNonInteractiveSignInDateTime: optStr,
    lastSuccessfulSignInDateTime: optStr,
  } satisfies Shape<SignInActivity>)
  .nullish();

export const spSignInActivitySchema = z.object({
  appId: str,
  lastSignInActivity: signInActivitySchema,
} satisfies Shape<ServicePrincipalSignInActivity>);

export const credentialSignInActivitySchema = z.object({
  keyId: str,
  appId: optStr,
  credentialOrigin: optStr,
  signInActivity: signInActivitySchema,
} satisfies Shape<AppCredentialSignInActivity>);

export const organizationSchema = z.object({
  id: str,
  displayName: optStr,
  verifiedDomains: z
    .array(
      z.object({
        name: optStr,
        isDefault: z.boolean().nullish(),
        isInitial: z.boolean().nullish(),
      }),
    )
    .nullish(),
} satisfies Shape<Organization>);

/** A Graph or ARM collection page: anything without a `value` array is not the list asked for. */
/** The Tags API's answer at a resource scope (`…/providers/Microsoft.Resources/tags/default`). */
export const tagsResourceSchema = z.object({
  properties: z.object({ tags: z.record(z.string(), z.string()).default({}) }),
});

export const collectionPageSchema = z.object({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().min(1).nullish(),
  nextLink: z.string().min(1).nullish(),
});

/** What the token endpoint and the OpenID configuration must answer (anything else fails). */
export const tokenResponseSchema = z.object({ access_token: z.string().min(1) });
export const openIdConfigurationSchema = z.object({ token_endpoint: z.string().min(1) });

/**
 * The claims of an Entra access token nhi reads: the tenant, the application permissions of an
 * app-only token (`roles`) and the delegated scopes of a user's (`scp`).
 */
export const tokenClaimsSchema = z
  .object({
    tid: z.string().optional().catch(undefined),
    roles: z.array(z.unknown()).optional().catch(undefined),
    scp: z.string().optional().catch(undefined),
  })
  .transform((c) => ({
    tid: c.tid ?? null,
    roles: (c.roles ?? []).filter((r): r is string => typeof r === 'string'),
    scopes: (c.scp ?? '').split(' ').filter(Boolean),
  }));

/* ----- Azure Resource Manager ----- */

export const subscriptionSchema = z.object({
  subscriptionId: str,
  displayName: optStr,
  state: optStr,
  tenantId: optStr,
});

export const roleAssignmentSchema = z.object({
  id: str,
  scope: str,
  roleDefinitionId: str,
  principalId: str,
  principalType: optStr,
  createdOn: optStr,
  condition: optStr,
});

export const roleDefinitionSchema = z.object({
  id: str,
  name: str,
  roleName: optStr,
  roleType: optStr,
  permissions: z
    .array(
      z.object({
        actions: z.array(str).nullish(),
        notActions: z.array(str).nullish(),
        dataActions: z.array(str).nullish(),
      }),
    )
    .nullish(),
});

/**
 * A Cognitive Services account (Azure OpenAI, AI Services, Speech…) as ARM lists it: the
 * account's properties only. nhi never calls listKeys, which answers with the keys themselves.
 */
export const cognitiveAccountSchema = z.object({
  id: str,
  name: str,
  kind: optStr,
  location: optStr,
  tags: z.record(str, str).nullish(),
  properties: z
    .object({
      endpoint: optStr,
      /** Absent means false: key authentication is on unless it was switched off. */
      disableLocalAuth: z.boolean().nullish(),
      dateCreated: optStr,
      publicNetworkAccess: optStr,
      customSubDomainName: optStr,
      provisioningState: optStr,
    } satisfies Shape<AccountProperties>)
    .nullish(),
} satisfies Shape<Account>);

export type GraphApplication = z.infer<typeof applicationSchema>;
export type GraphServicePrincipal = z.infer<typeof servicePrincipalSchema>;
export type GraphOwner = z.infer<typeof ownerSchema>;
export type GraphFederatedCredential = z.infer<typeof federatedCredentialSchema>;
export type GraphAppRoleAssignment = z.infer<typeof appRoleAssignmentSchema>;
export type GraphOAuth2Grant = z.infer<typeof oauth2GrantSchema>;
export type GraphPasswordCredential = z.infer<typeof passwordCredentialSchema>;
export type GraphKeyCredential = z.infer<typeof keyCredentialSchema>;
export type GraphOrganization = z.infer<typeof organizationSchema>;
export type SignInActivityRecord = z.infer<typeof signInActivitySchema>;
export type SpSignInActivity = z.infer<typeof spSignInActivitySchema>;
export type CredentialSignInActivity = z.infer<typeof credentialSignInActivitySchema>;
export type ArmRoleAssignment = z.infer<typeof roleAssignmentSchema>;
export type ArmRoleDefinition = z.infer<typeof roleDefinitionSchema>;
export type ArmSubscription = z.infer<typeof subscriptionSchema>;
export type CognitiveAccount = z.infer<typeof cognitiveAccountSchema>;

/** Parses every item, naming the call, index and field of the first bad one. */
export function parseList<T extends z.ZodType>(
  schema: T,
  items: unknown[],
  operation: string,
): Array<z.infer<T>> {
  return parsePayload(z.array(schema), items, { provider: PROVIDER, operation });
}

export function parseOne<T extends z.ZodType>(
  schema: T,
  item: unknown,
  operation: string,
): z.infer<T> {
  return parsePayload(schema, item, { provider: PROVIDER, operation });
}

/** The claims of a JWT access token; null when it is not a readable JWT (opaque tokens). */
export function readTokenClaims(token: string): z.output<typeof tokenClaimsSchema> | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const parsed = tokenClaimsSchema.safeParse(
      JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
    );
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
