import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1) are for one connection and never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  const tokens = new Set<string>();
  if (typeof value === 'string') {
    for (const t of value.split(',')) {
      const token = t.trim().toLowerCase();
      if (token) tokens.add(token);
    }
  }
  return tokens;
}

/** Copies end-to-end headers, dropping hop-by-hop ones and any the Connection header lists. */
export function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionTokens(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return out;
}

export interface ForwardOptions {
  upstreamHost: string;
  preserveHost: boolean;
  /** Keep the client's X-Forwarded-Proto/Host (the router sits behind a trusted proxy). */
  trustForwarded?: boolean;
  /** Adds the headers a WebSocket handshake needs, which are hop-by-hop otherwise. */
  upgrade?: boolean;
  /** Set `Transfer-Encoding: chunked` for a body of unknown length (node:http); default true. */
  frameChunked?: boolean;
}

/** Request headers sent upstream: end-to-end ones plus X-Forwarded-For/Proto/Host. */
export function upstreamRequestHeaders(req: IncomingMessage, options: ForwardOptions): OutgoingHttpHeaders {
  const headers = endToEnd(req.headers);
  const clientIp = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${prior}, ${clientIp}` : clientIp;
  const trusted = options.trustForwarded === true;
  const proto = trusted ? req.headers['x-forwarded-proto'] : undefined;
  const host = trusted ? req.headers['x-forwarded-host'] : undefined;
  headers['x-forwarded-proto'] = typeof proto === 'string' ? proto : 'http';
  headers['x-forwarded-host'] = typeof host === 'string' ? host : (req.headers.host ?? '');
  headers.host = options.preserveHost ? (req.headers.host ?? options.upstreamHost) : options.upstreamHost;
  // The router answered any `Expect: 100-continue` itself.
  delete headers.expect;
  // A body of unknown length goes on chunked. Node only chunks POST/PUT/PATCH by default; a
  // DELETE or GET body would otherwise go out unframed, and the upstream would read it as the
  // next request. (undici, the forwarding client, frames it itself and refuses the header.)
  if (req.headers['transfer-encoding'] !== undefined && options.frameChunked !== false) {
    headers['transfer-encoding'] = 'chunked';
  }
  if (options.upgrade) {
    headers.connection = 'Upgrade';
    headers.upgrade = req.headers.upgrade ?? '';
  }
  return headers;
}

/**
 * Response headers sent back to the client, from the upstream's raw header lines (name, value,
 * name, value…, as undici hands them over): end-to-end ones only, in order, repeats kept.
 */
export function clientResponseHeaders(raw: readonly Buffer[]): string[] {
  const out: string[] = [];
  let listed: Set<string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1');
    const lower = name.toLowerCase();
    if (lower === 'connection') {
      listed ??= new Set();
      for (const t of (raw[i + 1] as Buffer).toString('latin1').split(',')) {
        const token = t.trim().toLowerCase();
        if (token) listed.add(token);
      }
      continue;
    }
    if (HOP_BY_HOP.has(lower)) continue;
    out.push(name, (raw[i + 1] as Buffer).toString('latin1'));
  }
  if (listed === undefined) return out;
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    if (!listed.has((out[i] as string).toLowerCase())) kept.push(out[i] as string, out[i + 1] as string);
  }
  return kept;
}

/**
 * Defence in depth against request smuggling: node's parser already refuses these, but a
 * request that reaches the proxy with an ambiguous body length is refused again here.
 */
export function ambiguousFraming(req: IncomingMessage): string | undefined {
  let contentLengths = 0;
  let transferEncodings = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]?.toLowerCase();
    if (name === 'content-length') contentLengths++;
    else if (name === 'transfer-encoding') transferEncodings++;
  }
  if (contentLengths > 0 && transferEncodings > 0)
    return 'both Content-Length and Transfer-Encoding are present';
  if (contentLengths > 1) return 'Content-Length is repeated';
  const cl = req.headers['content-length'];
  if (cl !== undefined && !/^\d+$/.test(cl)) return 'Content-Length is not a number';
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && !/(^|,)\s*chunked\s*$/i.test(te))
    return 'Transfer-Encoding does not end in chunked';
  return undefined;
}
