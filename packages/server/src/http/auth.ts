import { Unauthorized } from '@sluice/core';
import type { Principal } from './route.js';

/** Resolves a bearer token to the principal it speaks for. Implemented by the tokens slice. */
export interface TokenVerifier {
  /** The principal for a presented secret, or null when unknown, revoked or expired. */
  verify(secret: string): Promise<Principal | null>;
  /**
   * What `verify` would answer, when this process holds the answer already (its cache); undefined
   * when only `verify` can tell. Lets the evaluation paths answer without waiting a turn.
   */
  verifyNow?(secret: string): Principal | null | undefined;
}

/** Stream tickets: what opens a change stream where no header can be sent (EventSource). */
export interface StreamTickets {
  issueTicket(
    principal: Principal,
    environment: string,
    ttlSeconds?: number,
  ): Promise<{ ticket: string; expiresAt: string }>;
  /** The principal and environment of a valid ticket, or null. */
  verifyTicket(ticket: string): Promise<{ principal: Principal; environment: string } | null>;
}

export const ANONYMOUS: Principal = { tokenId: null, subject: 'anonymous', scopes: [], roles: [] };

/** True when `value` from `start` on is non-empty printable ASCII without spaces (the usual token). */
function plainToken(value: string, start: number): boolean {
  if (value.length <= start) return false;
  for (let i = start; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/** The secret from `Authorization: Bearer <secret>`, or null when absent. */
export function bearerSecret(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  const value = Array.isArray(header) ? header[0] : header;
  if (value?.startsWith('Bearer ') && plainToken(value, 7)) return value.slice(7);
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
  if (!match?.[1]) throw Unauthorized('the Authorization header must be "Bearer <token>"');
  return match[1];
}
