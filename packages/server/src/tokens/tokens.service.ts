/**
 * Creates, verifies and revokes bearer tokens. A token is `slc_<id>_<secret>`; only its SHA-256
 * is stored. Verification is cached briefly so the hot evaluation paths do not query the
 * database per request; a revoke clears this process's cache at once and others' within the TTL.
 */
import { createHash, randomBytes } from 'node:crypto';
import { NotFound } from '@sluice/core';
import { createAuditStore } from '../audit/audit-store.kysely.js';
import type { TokenVerifier } from '../http/auth.js';
import type { Principal } from '../http/route.js';
import { type Executor, inTransaction } from '../storage/index.js';
import type { CreateToken, TokenView } from './token.schema.js';
import type { TokenRecord } from './token-store.js';
import { createTokenStore } from './token-store.kysely.js';

const CACHE_TTL_MS = 5_000;

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newTokenSecret(): { id: string; secret: string } {
  const id = randomBytes(6).toString('hex');
  return { id, secret: `slc_${id}_${randomBytes(24).toString('base64url')}` };
}

function view(t: TokenRecord): TokenView {
  const { hash: _hash, ...rest } = t;
  return rest;
}

export class TokenService implements TokenVerifier {
  private readonly cache = new Map<
    string,
    { principal: Principal | null; until: number; expiresAt: number | null }
  >();

  constructor(
    private readonly db: Executor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Stores a token for `secret` (generated when absent) and returns its view and secret. */
  async create(input: CreateToken, actor: { subject: string; requestId: string | null }, given?: string) {
    const generated = newTokenSecret();
    const secret = given ?? generated.secret;
    const record: TokenRecord = {
      id: generated.id,
      hash: hashToken(secret),
      subject: input.subject,
      scopes: input.scopes,
      roles: input.roles,
      description: input.description,
      createdAt: this.now().toISOString(),
      createdBy: actor.subject,
      expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
      revokedAt: null,
    };
    await inTransaction(this.db, async (trx) => {
      await createTokenStore(trx).insert(record);
      await createAuditStore(trx).append({
        at: record.createdAt,
        actor: actor.subject,
        action: 'create',
        kind: 'Token',
        name: record.id,
        before: null,
        after: view(record),
        requestId: actor.requestId,
      });
    });
    return { ...view(record), token: secret };
  }

  async list(): Promise<TokenView[]> {
    return (await createTokenStore(this.db).list()).map(view);
  }

  async findBySecret(secret: string): Promise<TokenView | null> {
    const found = await createTokenStore(this.db).findByHash(hashToken(secret));
    return found ? view(found) : null;
  }

  async revoke(id: string, actor: { subject: string; requestId: string | null }): Promise<TokenView> {
    const result = await inTransaction(this.db, async (trx) => {
      const store = createTokenStore(trx);
      const before = await store.findById(id);
      if (!before) throw NotFound(`token "${id}" does not exist`);
      if (before.revokedAt) return before;
      const at = this.now().toISOString();
      await store.revoke(id, at);
      const after = { ...before, revokedAt: at };
      await createAuditStore(trx).append({
        at,
        actor: actor.subject,
        action: 'revoke',
        kind: 'Token',
        name: id,
        before: view(before),
        after: view(after),
        requestId: actor.requestId,
      });
      return after;
    });
    this.cache.clear();
    return view(result);
  }

  /**
   * The principal a secret stands for, or null. The cache is keyed by the secret itself, so a
   * hit costs a map lookup rather than a SHA-256 (several µs of every OFREP request); the
   * secrets it holds are ones this process has just been sent, and it never leaves the process.
   */
  async verify(secret: string): Promise<Principal | null> {
    const nowMs = this.now().getTime();
    const hit = this.cache.get(secret);
    if (hit && hit.until > nowMs && (hit.expiresAt === null || hit.expiresAt > nowMs)) return hit.principal;
    const record = await createTokenStore(this.db).findByHash(hashToken(secret));
    const expiresAt = record?.expiresAt ? Date.parse(record.expiresAt) : null;
    const valid = record && !record.revokedAt && (expiresAt === null || expiresAt > nowMs);
    const principal = valid
      ? { tokenId: record.id, subject: record.subject, scopes: record.scopes, roles: record.roles }
      : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(secret, { principal, until: nowMs + CACHE_TTL_MS, expiresAt });
    return principal;
  }
}
