import type { TokenView } from './token.schema.js';

export interface TokenRecord extends TokenView {
  hash: string;
}

/** Tokens, stored by the SHA-256 of their secret. */
export interface TokenStore {
  insert(token: TokenRecord): Promise<void>;
  findByHash(hash: string): Promise<TokenRecord | null>;
  findById(id: string): Promise<TokenRecord | null>;
  list(): Promise<TokenRecord[]>;
  revoke(id: string, at: string): Promise<boolean>;
  count(): Promise<number>;
}
