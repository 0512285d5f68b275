import type { AuditEntry, AuditQuery } from './audit.schema.js';

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

/** The append-only audit log. Writes happen in the same transaction as the change they record. */
export interface AuditStore {
  append(entry: NewAuditEntry): Promise<void>;
  /** Newest first; `cursor` is the id to continue below. */
  query(filter: AuditQuery): Promise<AuditEntry[]>;
  count(): Promise<number>;
}
