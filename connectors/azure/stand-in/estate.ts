/**
 * The estate a stand-in serves: Graph- and ARM-shaped records as the real services return
 * them (field names from @microsoft/microsoft-graph-types and the ARM REST reference), so the
 * server can hand them out almost verbatim. Tests and the demo build these; no secrets here
 * except the scanner clients' fake passwords the token endpoint checks.
 */
import type {
  AppRole,
  AppRoleAssignment,
  FederatedIdentityCredential,
  KeyCredential,
  OAuth2PermissionGrant,
  PasswordCredential,
} from '@microsoft/microsoft-graph-types';
import type { Account, AccountProperties } from '@azure/arm-cognitiveservices';

export interface EstateOwner {
  '@odata.type': '#microsoft.graph.user' | '#microsoft.graph.servicePrincipal';
  id: string;
  displayName: string;
  userPrincipalName?: string;
  /** Users only: false once the account is disabled (the owner has left). */
  accountEnabled?: boolean;
}

type Strict<T, K extends keyof T> = { [P in K]-?: Exclude<T[P], undefined | null> };

export type EstatePassword = Strict<PasswordCredential, 'keyId' | 'startDateTime' | 'endDateTime'> &
  Pick<PasswordCredential, 'displayName' | 'hint'>;
export type EstateKey = Strict<
  KeyCredential,
  'keyId' | 'startDateTime' | 'endDateTime' | 'type' | 'usage'
> &
  Pick<KeyCredential, 'displayName' | 'customKeyIdentifier'>;
export type EstateFederated = Required<
  Pick<
    FederatedIdentityCredential,
    'id' | 'name' | 'issuer' | 'subject' | 'audiences' | 'description'
  >
>;

export interface EstateApplication {
  id: string;
  appId: string;
  displayName: string;
  createdDateTime: string;
  signInAudience: string;
  passwordCredentials: EstatePassword[];
  keyCredentials: EstateKey[];
  federatedIdentityCredentials: EstateFederated[];
  owners: EstateOwner[];
  tags?: string[];
}

export interface EstateServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  servicePrincipalType: 'Application' | 'ManagedIdentity' | 'Legacy' | 'SocialIdp';
  appOwnerOrganizationId: string | null;
  accountEnabled: boolean;
  /** Managed identities: the ARM resource id among the alternative names. */
  alternativeNames: string[];
  passwordCredentials: EstatePassword[];
  keyCredentials: EstateKey[];
  appRoles: Array<
    Required<Pick<AppRole, 'id' | 'value' | 'displayName' | 'allowedMemberTypes' | 'isEnabled'>>
  >;
  tags?: string[];
}

export type EstateAppRoleAssignment = Required<
  Pick<
    AppRoleAssignment,
    | 'id'
    | 'appRoleId'
    | 'principalId'
    | 'principalType'
    | 'principalDisplayName'
    | 'resourceId'
    | 'resourceDisplayName'
    | 'createdDateTime'
  >
>;

export type EstateOAuth2Grant = Required<
  Pick<
    OAuth2PermissionGrant,
    'id' | 'clientId' | 'consentType' | 'principalId' | 'resourceId' | 'scope'
  >
>;

/** Beta sign-in reports; `available: false` makes both answer 404 like a tenant without them. */
export interface EstateSignInReports {
  available: boolean;
  servicePrincipals: Array<{ appId: string; lastSignInDateTime: string | null }>;
  credentials: Array<{
    keyId: string;
    appId: string;
    keyType: 'clientSecret' | 'certificate';
    credentialOrigin: 'application' | 'servicePrincipal';
    lastSignInDateTime: string | null;
  }>;
}

export interface EstateRoleAssignment {
  /** Assignment GUID; the full id is `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`. */
  name: string;
  scope: string;
  /** GUID of a role definition in `roleDefinitions`. */
  roleDefinitionName: string;
  principalId: string;
  principalType: 'ServicePrincipal' | 'User' | 'Group';
  createdOn: string;
  /** ABAC condition (version 2.0), when the assignment has one. */
  condition?: string | null;
}

/**
 * A Cognitive Services account (Azure OpenAI, AI Services…) as ARM returns it, minus what the
 * server derives (id, type). `keys` are what listKeys would answer: the connector must never ask.
 */
export type EstateCognitiveAccount = Required<Pick<Account, 'name' | 'kind' | 'location'>> &
  Pick<Account, 'tags' | 'sku'> & {
    resourceGroup: string;
    properties: Required<
      Pick<
        AccountProperties,
        'endpoint' | 'dateCreated' | 'provisioningState' | 'customSubDomainName'
      >
    > &
      Pick<AccountProperties, 'disableLocalAuth' | 'publicNetworkAccess'>;
    keys: { key1: string; key2: string };
  };

export interface EstateSubscription {
  subscriptionId: string;
  displayName: string;
  state: 'Enabled' | 'Disabled' | 'Warned';
  roleAssignments: EstateRoleAssignment[];
  cognitiveAccounts?: EstateCognitiveAccount[];
}

export interface EstateRoleDefinition {
  name: string; // GUID
  roleName: string;
  type: 'BuiltInRole' | 'CustomRole';
  actions: string[];
  notActions: string[];
  dataActions?: string[];
}

export interface AzureEstate {
  tenant: { id: string; displayName: string; domain: string };
  /** Apps the token endpoint lets sign in with a client secret (the scanner's own app). */
  clients: Array<{ clientId: string; secret: string }>;
  applications: EstateApplication[];
  servicePrincipals: EstateServicePrincipal[];
  appRoleAssignments: EstateAppRoleAssignment[];
  oauth2PermissionGrants: EstateOAuth2Grant[];
  signInReports: EstateSignInReports;
  subscriptions: EstateSubscription[];
  roleDefinitions: EstateRoleDefinition[];
  /** Key Vault names that exist (secrets are added through the REST API). */
  keyVaults: string[];
  /** ARM tags by resource id (lower case), as the Tags API (`tags/default`) answers them. */
  resourceTags?: Record<string, Record<string, string>>;
}

/** Built-in role definition GUIDs as Azure publishes them. */
export const BUILT_IN_ROLES: EstateRoleDefinition[] = [
  {
    name: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    roleName: 'Owner',
    type: 'BuiltInRole',
    actions: ['*'],
    notActions: [],
  },
  {
    name: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    roleName: 'Contributor',
    type: 'BuiltInRole',
    actions: ['*'],
    notActions: [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
    ],
  },
  {
    name: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
    roleName: 'Reader',
    type: 'BuiltInRole',
    actions: ['*/read'],
    notActions: [],
  },
  {
    name: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
    roleName: 'User Access Administrator',
    type: 'BuiltInRole',
    actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'],
    notActions: [],
  },
  {
    name: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
    roleName: 'Storage Blob Data Contributor',
    type: 'BuiltInRole',
    actions: [
      'Microsoft.Storage/storageAccounts/blobServices/containers/delete',
      'Microsoft.Storage/storageAccounts/blobServices/containers/read',
      'Microsoft.Storage/storageAccounts/blobServices/containers/write',
    ],
    notActions: [],
  },
  {
    name: '4633458b-17de-408a-b874-0445c86b69e6',
    roleName: 'Key Vault Secrets User',
    type: 'BuiltInRole',
    actions: [],
    notActions: [],
    dataActions: [
      'Microsoft.KeyVault/vaults/secrets/getSecret/action',
      'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
    ],
  },
  {
    name: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
    roleName: 'AcrPull',
    type: 'BuiltInRole',
    actions: ['Microsoft.ContainerRegistry/registries/pull/read'],
    notActions: [],
  },
];

/** Microsoft Graph's resource service principal, with the app roles the estates use. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const GRAPH_APP_ROLES = {
  'Directory.ReadWrite.All': '19dbc75e-c2e2-444c-a770-ec69d8559fc7',
  'Directory.Read.All': '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
  'Application.ReadWrite.All': '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9',
  'Application.Read.All': '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30',
  'AuditLog.Read.All': 'b0afded3-3588-46d8-8b3d-9842eff778da',
  'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
  'Mail.Send': 'b633e1c5-b582-4048-a93e-9f11b44c7e96',
  'Sites.ReadWrite.All': '9492366f-7969-46a4-8d15-ed1a20078fff',
  'RoleManagement.ReadWrite.Directory': '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8',
} as const;
