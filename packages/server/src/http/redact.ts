/**
 * Secrets never reach the log (issue 13, L2; SECURITY.md "Secrets in logs"): request URLs lose
 * the values of credential-bearing query parameters, and the logger censors the header and
 * field paths that carry tokens.
 */

/** Query parameters whose value is a credential (old `?token=` clients, stream tickets). */
const SECRET_PARAMS = /([?&](?:token|ticket|access_token|api_key|apikey)=)[^&#]*/gi;

/** The URL with credential query values replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url.indexOf('?') === -1 ? url : url.replace(SECRET_PARAMS, '$1[redacted]');
}

/** pino `redact` paths for loggers that may be handed request objects or token records. */
export const LOG_REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'token',
  'secret',
  'ticket',
];
