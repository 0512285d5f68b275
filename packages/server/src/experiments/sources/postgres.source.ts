/**
 * A MetricSource over the team's own PostgreSQL. Their query gets `$1` (from, exclusive) and `$2`
 * (to, inclusive) as timestamptz and must return `user`, `metric`, `value` and `timestamp`
 * columns; Sluice wraps it to order and limit the rows, and runs it in a read-only transaction
 * with a statement timeout.
 */
import { ValidationFailed } from '@sluice/core';
import pg from 'pg';
import type { MetricRow, MetricSource } from './metric-source.js';

export interface PostgresSourceOptions {
  url: string;
  query: string;
  /** Statement timeout, ms. */
  timeoutMs?: number;
}

export function postgresSource(options: PostgresSourceOptions): MetricSource {
  const pool = new pg.Pool({ connectionString: options.url, max: 2 });
  pool.on('error', () => {});
  return {
    async rows(from, to, limit) {
      const client = await pool.connect();
      try {
        await client.query('begin read only');
        await client.query(`set local statement_timeout = ${Math.floor(options.timeoutMs ?? 30_000)}`);
        const result = await client.query(
          `select "user", metric, value, "timestamp" from (${options.query}) as q order by "timestamp" limit ${Math.floor(limit)}`,
          [from.toISOString(), to.toISOString()],
        );
        await client.query('commit');
        return result.rows.map((r, i) => toRow(r, i));
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

function toRow(r: Record<string, unknown>, i: number): MetricRow {
  const at = r.timestamp instanceof Date ? r.timestamp : new Date(String(r.timestamp));
  const value = Number(r.value);
  if (
    typeof r.user !== 'string' ||
    typeof r.metric !== 'string' ||
    !Number.isFinite(value) ||
    Number.isNaN(at.getTime())
  ) {
    throw ValidationFailed(
      `row ${i} of the source query is not (user text, metric text, value number, timestamp): ${JSON.stringify(r).slice(0, 200)}`,
      { fields: [{ path: 'spec.query', message: 'must return user, metric, value, timestamp' }] },
    );
  }
  return { user: r.user, metric: r.metric, value, timestamp: at.toISOString() };
}
