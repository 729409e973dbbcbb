/** Options -> settings: national clouds, instance discovery, Key Vault targets, bad input. */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/connector/index.js';
import { parseKeyVaultTarget, resolveSettings } from './options.js';

describe('resolveSettings', () => {
  it('defaults to the public cloud with instance discovery on', () => {
    const s = resolveSettings({}, { AZURE_TENANT_ID: 't1' });
    expect(s).toMatchObject({
      tenants: ['t1'],
      authorityHost: 'https://login.microsoftonline.com',
      graphEndpoint: 'https://graph.microsoft.com',
      armEndpoint: 'https://management.azure.com',
      disableInstanceDiscovery: false,
    });
  });

  it('switches every endpoint for a national cloud', () => {
    expect(resolveSettings({ cloud: 'usgov' }, {})).toMatchObject({
      authorityHost: 'https://login.microsoftonline.us',
      graphEndpoint: 'https://graph.microsoft.us',
      armEndpoint: 'https://management.usgovcloudapi.net',
      keyVaultSuffix: 'vault.usgovcloudapi.net',
      disableInstanceDiscovery: false,
    });
    expect(resolveSettings({ cloud: 'china' }, {}).graphEndpoint).toBe(
      'https://microsoftgraph.chinacloudapi.cn',
    );
  });

  it('disables instance discovery for a non-Microsoft authority, from options or AZURE_AUTHORITY_HOST', () => {
    expect(resolveSettings({ authorityHost: 'https://127.0.0.1:8443/' }, {})).toMatchObject({
      authorityHost: 'https://127.0.0.1:8443',
      disableInstanceDiscovery: true,
    });
    expect(
      resolveSettings({}, { AZURE_AUTHORITY_HOST: 'https://login.example.test' })
        .disableInstanceDiscovery,
    ).toBe(true);
  });

  it('prefers the tenantId option and adds further tenants and subscriptions from strings', () => {
    const s = resolveSettings(
      { tenantId: 'a', tenants: 'b, a', subscriptions: 's1,s2', concurrency: '4' },
      { AZURE_TENANT_ID: 'z' },
    );
    expect(s).toMatchObject({ tenants: ['a', 'b'], subscriptions: ['s1', 's2'], concurrency: 4 });
  });

  it('rejects http endpoints and unknown clouds with the option name', () => {
    expect(() => resolveSettings({ graphEndpoint: 'http://127.0.0.1:1' }, {})).toThrow(
      /graphEndpoint.*https/,
    );
    expect(() => resolveSettings({ cloud: 'moon' }, {})).toThrow(UserError);
    expect(() => resolveSettings({}, { AZURE_AUTHORITY_HOST: 'http://x' })).toThrow(UserError);
  });
});

describe('parseKeyVaultTarget', () => {
  const settings = resolveSettings(
    { cloud: 'china', keyVaultUrls: { local: 'https://127.0.0.1:9443' } },
    {},
  );
  it('builds the vault URL from the cloud suffix or the keyVaultUrls map', () => {
    expect(parseKeyVaultTarget('prod-kv/ci-secret', settings)).toEqual({
      vaultUrl: 'https://prod-kv.vault.azure.cn',
      secretName: 'ci-secret',
    });
    expect(parseKeyVaultTarget('local/x', settings).vaultUrl).toBe('https://127.0.0.1:9443');
    expect(parseKeyVaultTarget('https://kv.vault.azure.net/secrets/app', settings)).toEqual({
      vaultUrl: 'https://kv.vault.azure.net',
      secretName: 'app',
    });
  });
  it('rejects targets without a secret name', () => {
    expect(() => parseKeyVaultTarget('kv', settings)).toThrow(UserError);
    expect(() => parseKeyVaultTarget('https://kv.vault.azure.net/', settings)).toThrow(UserError);
  });
});
