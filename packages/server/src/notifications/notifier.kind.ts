/**
 * A `Notifier`: where Sluice tells people what releases do — a Slack incoming webhook, a
 * Microsoft Teams webhook, or a generic webhook signed with HMAC-SHA256. Its URL says where the
 * control plane sends requests, so writing one needs the admin scope (`writeScope`); a URL that
 * carries a token belongs in a `secretRef`.
 */
import { z } from 'zod';
import type { KindDefinition } from '../resources/kind.js';
import { secretRefSchema } from '../secrets/index.js';

export const NOTICE_EVENTS = [
  'rollout.started',
  'stage.completed',
  'gate.waiting',
  'analysis.failed',
  'rollout.rolled_back',
  'rollout.completed',
  'rollout.failed',
  'emergency.stopped',
  'flag.killed',
] as const;
export type NoticeEvent = (typeof NOTICE_EVENTS)[number];

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
  .max(2000)
  .meta({ description: 'http:// or https:// URL' });

export const notifierSpecSchema = z
  .strictObject({
    type: z.enum(['slack', 'teams', 'webhook']),
    /** Where notices are POSTed: the URL itself, or a secret holding it. */
    url: z.union([httpUrl, secretRefSchema]),
    /** `webhook` only: the HMAC-SHA256 key of `Sluice-Signature`. */
    signingSecret: secretRefSchema.optional(),
    /** Which notices; default all. */
    events: z.array(z.enum(NOTICE_EVENTS)).min(1).max(NOTICE_EVENTS.length).optional(),
    /** Which environments' notices; default all. */
    environments: z.array(z.string().min(1).max(64)).min(1).max(100).optional(),
    /** Tries before a notice goes to the dead letters. */
    maxAttempts: z.number().int().min(1).max(50).default(8),
  })
  .refine((s) => s.type === 'webhook' || s.signingSecret === undefined, {
    path: ['signingSecret'],
    message: 'only a webhook notifier signs its requests',
  })
  .meta({ id: 'NotifierSpec' });
export type NotifierSpec = z.output<typeof notifierSpecSchema>;

export const notifierKind: KindDefinition<NotifierSpec> = {
  kind: 'Notifier',
  plural: 'notifiers',
  aliases: ['notifier'],
  environmentScoped: false,
  spec: notifierSpecSchema as unknown as z.ZodType<NotifierSpec>,
  writeScope: 'admin',
  applyOrder: 5,
};

/** Whether a notifier takes this notice. */
export function wants(spec: NotifierSpec, event: NoticeEvent, environment: string): boolean {
  if (spec.events && !spec.events.includes(event)) return false;
  return !spec.environments || spec.environments.includes(environment);
}
