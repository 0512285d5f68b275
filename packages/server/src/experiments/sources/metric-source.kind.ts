/**
 * The MetricSource kind: a connection to the team's warehouse and the query that reads per-user
 * metric rows. Operator configuration: only `admin` tokens write it (it names a secret and runs
 * queries against another system); experiments refer to it by name (`metrics.source`).
 */
import { z } from 'zod';
import type { KindDefinition } from '../../resources/kind.js';
import { secretRefSchema } from '../../secrets/secrets.js';

export const metricSourceSpecSchema = z
  .strictObject({
    type: z.literal('postgres').describe('postgres today; the MetricSource interface takes others'),
    url: secretRefSchema.describe('the connection URL, from a secret'),
    query: z
      .string()
      .min(1)
      .max(20_000)
      .describe('returns user, metric, value, timestamp; $1 and $2 bound the timestamps (from, to]'),
    lag_seconds: z
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(300)
      .describe('rows newer than now − lag are read on a later sync (late rows land first)'),
  })
  .meta({ id: 'MetricSourceSpec' });
export type MetricSourceSpec = z.infer<typeof metricSourceSpecSchema>;

export const metricSourceKind: KindDefinition<MetricSourceSpec> = {
  kind: 'MetricSource',
  plural: 'metric-sources',
  aliases: ['metric-source', 'metricsource'],
  environmentScoped: false,
  spec: metricSourceSpecSchema,
  writeScope: 'admin',
  applyOrder: 5,
};
