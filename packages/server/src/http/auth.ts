import { Unauthorized } from '@sluice/core';
import type { Principal } from './route.js';

/** Resolves a bearer token to the principal it speaks for. Implemented by the tokens slice. */
export interface TokenVerifier {
  /** The principal for a presented secret, or null when unknown, revoked or expired. */
  verify(secret: string): Promise<Principal | null>;
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

/** The secret from `Authorization: Bearer <secret>`, or null when absent. */
export function bearerSecret(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
  if (!match?.[1]) throw Unauthorized('the Authorization header must be "Bearer <token>"');
  return match[1];
}
