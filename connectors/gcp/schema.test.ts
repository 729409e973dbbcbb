import { describe, expect, it } from 'vitest';
import { ApiError, parsePayload } from '../../src/connector/index.js';
import {
  listProjectsSchema,
  listServiceAccountsSchema,
  policySchema,
  testIamPermissionsSchema,
} from './schema.js';

const source = { provider: 'gcp', operation: 'iam.serviceAccounts.list' };

describe('payload validation', () => {
  it('names the API and the offending field of a malformed response', () => {
    const bad = { accounts: [{ name: 5 }] };
    expect(() => parsePayload(listServiceAccountsSchema, bad, source)).toThrow(ApiError);
    expect(() => parsePayload(listServiceAccountsSchema, bad, source)).toThrow(
      /iam\.serviceAccounts\.list.*accounts\[0\]\.name/,
    );
  });

  it('reads an empty page ({}, as Google sends it) as no items, and a page with more fields as itself', () => {
    expect(parsePayload(listProjectsSchema, {}, source).projects).toBeUndefined();
    expect(
      parsePayload(listProjectsSchema, { projects: [], unreachable: ['x'] }, source).projects,
    ).toEqual([]);
    expect(parsePayload(testIamPermissionsSchema, {}, source).permissions).toBeUndefined();
  });

  it('refuses a document that is not the one asked for: never "no projects" or "no roles"', () => {
    const other = { kind: 'something else', items: null };
    const invalid = { kind: 'invalid-response' };
    expect(() => parsePayload(listProjectsSchema, other, source)).toThrow(
      /not the document asked for .*kind, items/,
    );
    expect(() => parsePayload(listProjectsSchema, other, source)).toThrow(
      expect.objectContaining(invalid),
    );
    expect(() => parsePayload(policySchema, other, source)).toThrow(
      expect.objectContaining(invalid),
    );
    expect(() => parsePayload(listProjectsSchema, [], source)).toThrow(
      expect.objectContaining(invalid),
    );
    expect(() => parsePayload(listProjectsSchema, 'Service Unavailable', source)).toThrow(
      expect.objectContaining(invalid),
    );
  });
});
