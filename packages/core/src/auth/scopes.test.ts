import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANY_ENVIRONMENT, scopeGrants, scopeSchema, scopesGrant, scopesGrantSomewhere } from './scopes.js';

describe('scopes', () => {
  it('orders admin > write > read', () => {
    expect(scopeGrants('admin', 'admin', null)).toBe(true);
    expect(scopeGrants('write', 'admin', null)).toBe(false);
    expect(scopeGrants('write', 'write', 'production')).toBe(true);
    expect(scopeGrants('write', 'read', null)).toBe(true);
    expect(scopeGrants('read', 'write', 'development')).toBe(false);
  });

  it('limits write:<env> and read:<env> to their environment', () => {
    expect(scopeGrants('write:production', 'write', 'production')).toBe(true);
    expect(scopeGrants('write:production', 'write', 'development')).toBe(false);
    expect(scopeGrants('write:production', 'read', null)).toBe(false);
    expect(scopeGrants('read:development', 'read', 'development')).toBe(true);
  });

  it('keeps sdk and router tokens to their own routes', () => {
    expect(scopeGrants('sdk:production', 'sdk', 'production')).toBe(true);
    expect(scopeGrants('sdk:production', 'sdk', 'development')).toBe(false);
    expect(scopeGrants('sdk:production', 'read', 'production')).toBe(false);
    expect(scopeGrants('router', 'router', null)).toBe(true);
    expect(scopeGrants('router', 'read', null)).toBe(false);
    expect(scopeGrants('read', 'router', null)).toBe(false);
  });

  it('M1: "*" is no environment a limited scope holds; only a route declaring it asks "somewhere"', () => {
    for (const scope of ['read:staging', 'write:staging', 'sdk:staging'])
      for (const need of ['read', 'write', 'sdk'] as const)
        expect(scopeGrants(scope, need, ANY_ENVIRONMENT)).toBe(false);
    expect(scopeGrants('read', 'read', ANY_ENVIRONMENT)).toBe(true);
    expect(scopesGrantSomewhere(['read:staging'], 'read')).toBe(true);
    expect(scopesGrantSomewhere(['read:staging'], 'write')).toBe(false);
    expect(scopesGrantSomewhere(['sdk:staging'], 'sdk')).toBe(true);
    expect(scopesGrantSomewhere(['sdk:staging'], 'read')).toBe(false);
    expect(scopesGrantSomewhere(['router'], 'read')).toBe(false);
    expect(scopesGrantSomewhere(['admin'], 'admin')).toBe(true);
  });

  it('validates scope strings', () => {
    expect(scopeSchema.safeParse('write:production').success).toBe(true);
    expect(scopeSchema.safeParse('sdk').success).toBe(false);
    expect(scopeSchema.safeParse('root').success).toBe(false);
    expect(scopeSchema.safeParse('write:Prod').success).toBe(false);
  });

  it('never lets a lower scope grant more than a higher one', () => {
    const levels = ['read', 'write', 'admin'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...levels),
        fc.constantFrom(...levels),
        fc.option(fc.constantFrom('development', 'production'), { nil: null }),
        (held, need, env) => {
          const rank = { read: 1, write: 2, admin: 3 };
          expect(scopesGrant([held], need, env)).toBe(rank[held] >= rank[need]);
        },
      ),
    );
  });
});
