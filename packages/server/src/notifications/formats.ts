/**
 * The request each notifier type gets for a notice: Slack's incoming-webhook message with
 * blocks, a Microsoft Teams message with an Adaptive Card, or the notice itself as JSON for a
 * generic webhook, signed with HMAC-SHA256 over `<timestamp>.<body>` (README: the replay window).
 */
import type { Notice } from './notices.js';
import type { NotifierSpec } from './notifier.kind.js';

export const SIGNATURE_HEADER = 'sluice-signature';
export const TIMESTAMP_HEADER = 'sluice-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

export function bodyFor(type: NotifierSpec['type'], notice: Notice, key: string): unknown {
  const lines = notice.command ? `${notice.text}\n\`${notice.command}\`` : notice.text;
  if (type === 'slack')
    return {
      text: notice.text,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: notice.event } },
        { type: 'section', text: { type: 'mrkdwn', text: lines } },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: `${notice.runId ? `run ${notice.runId} · ` : ''}${notice.environment} · ${notice.at}`,
            },
          ],
        },
      ],
    };
  if (type === 'teams')
    return {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: {
            type: 'AdaptiveCard',
            version: '1.4',
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            body: [
              { type: 'TextBlock', text: notice.event, weight: 'Bolder', size: 'Medium' },
              { type: 'TextBlock', text: lines, wrap: true },
              {
                type: 'TextBlock',
                text: `${notice.runId ? `run ${notice.runId} · ` : ''}${notice.environment}`,
                isSubtle: true,
              },
            ],
          },
        },
      ],
    };
  return { ...notice, idempotencyKey: key };
}
