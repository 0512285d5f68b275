/**
 * Where teams outgrow the built-in event store: per-user metric rows read from their own
 * warehouse with a query they write. One interface; one file per implementation (PostgreSQL
 * today; ClickHouse or BigQuery would be another file answering the same two methods).
 */

/** One row the team's query returns: a user's value of a metric at a time. */
export interface MetricRow {
  user: string;
  metric: string;
  value: number;
  /** ISO time. */
  timestamp: string;
}

export interface MetricSource {
  /**
   * The rows with `from < timestamp <= to`, oldest first, at most `limit` (the caller asks again
   * from the last timestamp it got when the answer is full).
   */
  rows(from: Date, to: Date, limit: number): Promise<MetricRow[]>;
  /** Releases connections. */
  close(): Promise<void>;
}
