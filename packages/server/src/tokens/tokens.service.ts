/**
 * Creates, verifies and revokes bearer tokens. A token is `slc_<id>_<secret>`; only its SHA-256
 * is stored. Verification is cached so the hot evaluation paths do not query the database per
 * request; a revoke is announced on the change bus, so every replica forgets the token at once
 * (the TTL only bounds a missed announcement). While the database cannot be read, tokens already
 * verified keep working (fail-static, SECURITY.md "Availability"); unknown ones get 503.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { NotFound } from '@sluice/core';
import { createAuditStore } from '../audit/audit-store.kysely.js';
import type { TokenVerifier } from '../http/auth.js';
import type { Principal } from '../http/route.js';
import {
  type ChangeBus,
  type Executor,
  inProcessBus,
  inTransaction,
  storageError,
} from '../storage/index.js';
import type { CreateToken, TokenView } from './token.schema.js';
import type { TokenRecord } from './token-store.js';
import { createTokenStore } from './token-store.kysely.js';

const CACHE_TTL_MS = 30_000;
/** The bus topic of revocations; the payload is the token id. */
const REVOKED = 'token-revoked';
/** How long a stream ticket opens change streams. */
export const TICKET_TTL_SECONDS = 600;

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

  /** Stored records by id, for stream tickets (their key is the token's stored hash). */
  private readonly records = new Map<string, { record: TokenRecord | null; until: number }>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Executor,
    private readonly now: () => Date = () => new Date(),
    private readonly bus: ChangeBus = inProcessBus(),
  ) {
    this.unsubscribe = bus.subscribe(
      REVOKED,
      (id) => this.forget(id),
      // announcements may have been missed: trust nothing cached
      () => this.forget(null),
    );
  }

  close(): void {
    this.unsubscribe();
  }

  /** Drops what is cached about one token (null: every token). */
  private forget(id: string | null): void {
    if (id === null) {
      this.cache.clear();
      this.records.clear();
      return;
    }
    this.records.delete(id);
    for (const [secret, entry] of this.cache) if (entry.principal?.tokenId === id) this.cache.delete(secret);
  }

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
    this.forget(id);
    await this.bus.publish(REVOKED, id).catch(() => {
      // the row says revoked; replicas that missed this still drop it within the cache TTL
    });
    return view(result);
  }

  /** What `verify` answers from the cache alone; undefined when it would have to look. */
  verifyNow(secret: string): Principal | null | undefined {
    const hit = this.cache.get(secret);
    if (hit === undefined) return undefined;
    return fresh(hit, this.now().getTime()) ? hit.principal : undefined;
  }

  /**
   * The principal a secret stands for, or null. The cache is keyed by the secret itself, so a
   * hit costs a map lookup rather than a SHA-256 (several µs of every OFREP request); the
   * secrets it holds are ones this process has just been sent, and it never leaves the process.
   */
  async verify(secret: string): Promise<Principal | null> {
    const nowMs = this.now().getTime();
    const hit = this.cache.get(secret);
    if (hit && fresh(hit, nowMs)) return hit.principal;
    let record: TokenRecord | null;
    try {
      record = await createTokenStore(this.db).findByHash(hashToken(secret));
    } catch (error) {
      // fail-static: a token this process verified keeps its answer while the database is away
      if (hit && storageError(error)) return live(hit, nowMs) ? hit.principal : null;
      throw storageError(error) ?? error;
    }
    const expiresAt = record?.expiresAt ? Date.parse(record.expiresAt) : null;
    const valid = record !== null && !record.revokedAt && (expiresAt === null || expiresAt > nowMs);
    const principal =
      valid && record
        ? { tokenId: record.id, subject: record.subject, scopes: record.scopes, roles: record.roles }
        : null;
    if (this.cache.size > 10_000) this.cache.clear();
    // the same principal object while cached: grants are memoised on it (ofrep/access.ts)
    const same =
      hit?.principal && principal && samePrincipal(hit.principal, principal) ? hit.principal : principal;
    this.cache.set(secret, { principal: same, until: nowMs + CACHE_TTL_MS, expiresAt });
    return same;
  }

  /**
   * A stream ticket: opens the change stream of one environment, for a while, for as long as the
   * token lives. It goes where a browser's EventSource cannot send a header (the URL), so the
   * token never does. `sst_<token id>.<environment>.<expiry>.<mac>`, the MAC keyed by the token's
   * stored hash: any replica can check it, and it dies with its token.
   */
  async issueTicket(principal: Principal, environment: string, ttlSeconds = TICKET_TTL_SECONDS) {
    const record = principal.tokenId === null ? null : await this.record(principal.tokenId);
    if (!record) throw NotFound('the token that asks for a ticket is not stored (the bootstrap token?)');
    const expires = Math.floor(this.now().getTime() / 1000) + ttlSeconds;
    const body = `${record.id}.${environment}.${expires}`;
    return {
      ticket: `sst_${body}.${ticketMac(record.hash, body)}`,
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  /** The principal and environment of a valid ticket, or null (malformed, expired, forged, revoked). */
  async verifyTicket(ticket: string): Promise<{ principal: Principal; environment: string } | null> {
    const m = /^sst_([0-9a-f]{12})\.([a-z0-9-]{1,63})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
    if (!m) return null;
    const [, id = '', environment = '', expires = '', mac = ''] = m;
    const nowMs = this.now().getTime();
    if (Number(expires) * 1000 <= nowMs) return null;
    const record = await this.record(id);
    if (!record || record.revokedAt) return null;
    if (record.expiresAt && Date.parse(record.expiresAt) <= nowMs) return null;
    const expected = Buffer.from(ticketMac(record.hash, `${id}.${environment}.${expires}`));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    const principal = {
      tokenId: record.id,
      subject: record.subject,
      scopes: record.scopes,
      roles: record.roles,
    };
    return { principal, environment };
  }

  /** A stored token by id, cached like verifications (and served stale while the database is away). */
  private async record(id: string): Promise<TokenRecord | null> {
    const nowMs = this.now().getTime();
    const hit = this.records.get(id);
    if (hit && hit.until > nowMs) return hit.record;
    let record: TokenRecord | null;
    try {
      record = await createTokenStore(this.db).findById(id);
    } catch (error) {
      if (hit && storageError(error)) return hit.record;
      throw storageError(error) ?? error;
    }
    if (this.records.size > 10_000) this.records.clear();
    this.records.set(id, { record, until: nowMs + CACHE_TTL_MS });
    return record;
  }
}

function ticketMac(key: string, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

/** A cache entry `verify` may answer from: within the cache's time and the token's life. */
function fresh(entry: { until: number; expiresAt: number | null }, nowMs: number): boolean {
  return entry.until > nowMs && live(entry, nowMs);
}

/** A cached token not past its expiry (a module function: verify runs on every evaluation). */
function live(entry: { expiresAt: number | null }, nowMs: number): boolean {
  return entry.expiresAt === null || entry.expiresAt > nowMs;
}

function samePrincipal(a: Principal, b: Principal): boolean {
  return (
    a.tokenId === b.tokenId &&
    a.subject === b.subject &&
    a.scopes.join(' ') === b.scopes.join(' ') &&
    a.roles.join(' ') === b.roles.join(' ')
  );
}
