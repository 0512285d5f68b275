import type { ServerResponse } from 'node:http';
import { defineError, type SluiceError } from '@sluice/core/errors';

export const NoRoute = defineError('ROUTER_NO_ROUTE', 404, 'No route matches the request');
export const NoVersion = defineError(
  'ROUTER_NO_VERSION',
  503,
  'No version of the route can take the request',
);
export const UpstreamUnavailable = defineError(
  'ROUTER_UPSTREAM_UNAVAILABLE',
  502,
  'The upstream did not answer',
);
export const UpstreamTimeout = defineError(
  'ROUTER_UPSTREAM_TIMEOUT',
  504,
  'The upstream did not answer in time',
);
export const BadRequest = defineError('ROUTER_BAD_REQUEST', 400, 'The request is malformed');
export const RequestTimeout = defineError(
  'ROUTER_REQUEST_TIMEOUT',
  408,
  'The request was not received in time',
);
export const HeadersTooLarge = defineError(
  'ROUTER_HEADERS_TOO_LARGE',
  431,
  'The request headers are too large',
);

/** RFC 9457 problem document of a typed error. */
export function problemBody(error: SluiceError, instance?: string): string {
  return JSON.stringify({
    type: `https://sluice.dev/problems/${error.code.toLowerCase().replace(/_/g, '-')}`,
    title: error.title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    ...(error.fields.length > 0 ? { fields: error.fields } : {}),
    ...(instance === undefined ? {} : { instance }),
  });
}

export function sendProblem(
  res: ServerResponse,
  error: SluiceError,
  extraHeaders: Record<string, string> = {},
) {
  const body = problemBody(error);
  res.writeHead(error.status, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    ...extraHeaders,
  });
  res.end(body);
}

/** The same document written on a raw socket (parser errors and failed upgrades). */
export function rawProblem(error: SluiceError, close = true): string {
  const body = problemBody(error);
  const reason = error.title.replace(/[\r\n]/g, ' ');
  return (
    `HTTP/1.1 ${error.status} ${reason}\r\n` +
    'content-type: application/problem+json\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    (close ? 'connection: close\r\n' : '') +
    `\r\n${body}`
  );
}
