import { describe, expect, it } from 'vitest';
import {
  ApiFailure,
  isRetryableFailure,
  isUniquenessViolation,
  parseCreatedTenantId,
  parseTenants,
  readGraphqlReply,
} from '../../src/prefect/graphql.js';

function failure(status: number, body: string): ApiFailure {
  try {
    readGraphqlReply(status, body);
  } catch (error) {
    if (error instanceof ApiFailure) return error;
    throw error;
  }
  throw new Error('expected an ApiFailure');
}

describe('readGraphqlReply', () => {
  it('reads data, and errors that come with a 200 as the server’s answer', () => {
    expect(readGraphqlReply(200, '{"data":{"create_tenant":{"id":"t-1"}}}')).toEqual({
      data: { create_tenant: { id: 't-1' } },
      errors: [],
    });
    const duplicate = readGraphqlReply(
      200,
      JSON.stringify({
        errors: [{ message: 'Uniqueness violation.', path: ['create_tenant'] }],
        data: { create_tenant: null },
      }),
    );
    expect(duplicate.errors).toEqual([{ message: 'Uniqueness violation.' }]);
    expect(isUniquenessViolation(duplicate.errors)).toBe(true);
    expect(isUniquenessViolation([{ message: 'permission denied' }])).toBe(false);
  });

  it('makes 5xx, 429 and 408 retryable server failures carrying the server’s message', () => {
    const unavailable = failure(503, '{"errors":[{"message":"graphql service unavailable"}]}');
    expect(unavailable.kind).toBe('server');
    expect(unavailable.retryable).toBe(true);
    expect(unavailable.message).toBe('HTTP 503: graphql service unavailable');
    expect(failure(502, '<html><body><h1>502 Bad Gateway</h1></body></html>').message).toBe(
      'HTTP 502: 502 Bad Gateway',
    );
    expect(failure(429, '').retryable).toBe(true);
    expect(failure(500, '').message).toBe('HTTP 500: empty response');
  });

  it('makes 4xx client failures that are not retried', () => {
    const invalid = failure(400, '{"errors":[{"message":"Cannot query field \\"x\\""}]}');
    expect(invalid.kind).toBe('client');
    expect(isRetryableFailure(invalid)).toBe(false);
    expect(invalid.message).toBe('HTTP 400: Cannot query field "x"');
  });

  it('refuses a 200 that is not GraphQL (a proxy’s page, say)', () => {
    const page = failure(200, '<html>Welcome to nginx!</html>');
    expect(page.kind).toBe('protocol');
    expect(page.message).toContain('Welcome to nginx!');
    expect(failure(200, '{"hello":1}').kind).toBe('protocol');
  });

  it('network failures are retryable, other errors are not', () => {
    expect(isRetryableFailure(new ApiFailure('network', 'ECONNREFUSED'))).toBe(true);
    expect(isRetryableFailure(new Error('boom'))).toBe(false);
  });
});

describe('tenant data', () => {
  it('reads the created id and the tenant list', () => {
    expect(parseCreatedTenantId({ create_tenant: { id: 'abc' } })).toBe('abc');
    expect(() => parseCreatedTenantId({ create_tenant: null })).toThrow(/returned no id/);
    expect(
      parseTenants({ tenant: [{ id: '1', name: 'Default', slug: 'default', extra: true }] }),
    ).toEqual([{ id: '1', name: 'Default', slug: 'default' }]);
    expect(() => parseTenants({})).toThrow(/no list/);
  });
});
