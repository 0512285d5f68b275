import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { headerName, headerValue } from './header-text.js';

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

const HOP_BY_HOP_LENGTHS = new Set([...HOP_BY_HOP].map((name) => name.length));

/** The last request Connection value and its tokens: clients send the same one every time. */
let lastRequestConnection: string | undefined;
let lastRequestTokens: ReadonlySet<string> = new Set();

/** The names a request's Connection header lists, lower-cased (a set only read, never changed). */
function connectionTokens(headers: IncomingHttpHeaders): ReadonlySet<string> {
  const value = headers.connection;
  if (typeof value !== 'string') return new Set();
  if (value === lastRequestConnection) return lastRequestTokens;
  const tokens = new Set<string>();
  for (const t of value.split(',')) {
    const token = t.trim().toLowerCase();
    if (token) tokens.add(token);
  }
  lastRequestConnection = value;
  lastRequestTokens = tokens;
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
  // The router answered any `Expect: 100-continue` itself. (Only deleted when there: a delete
  // turns the object into a slow dictionary for everyone who reads it after.)
  if (headers.expect !== undefined) delete headers.expect;
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

/** Request headers the router writes itself, so the client's lines of those names are dropped. */
const SET_BY_ROUTER = new Set(['host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'expect']);

/**
 * Request headers node keeps only the first line of (`req.headers`, which match rules read): the
 * upstream gets that one line too, so the router and the service never act on different values
 * (two Authorization lines, say).
 */
const FIRST_LINE_ONLY = new Set([
  'authorization',
  'content-type',
  'content-length',
  'user-agent',
  'referer',
  'from',
  'max-forwards',
  'if-modified-since',
  'if-unmodified-since',
]);

const PASSED = 0;
const DROPPED = 1;
const FIRST_LINE = 2;
const COOKIE = 3;

/**
 * A request header name as the client spelt it → its lower-case form and what the list does with
 * it. Clients send the same few names, spelt the same way, on every request: one lookup instead
 * of lower-casing each name and looking it up in three sets. Bounded, so odd names cannot grow it.
 */
const requestNames = new Map<string, { lower: string; kind: number }>();
const REQUEST_NAMES_KEPT = 512;
/** Longer names (no real header's) are classified each time rather than kept. */
const REQUEST_NAME_KEPT_MAX = 64;

function requestName(name: string): { lower: string; kind: number } {
  let known = requestNames.get(name);
  if (known === undefined) {
    const lower = name.toLowerCase();
    const kind =
      HOP_BY_HOP.has(lower) || SET_BY_ROUTER.has(lower)
        ? DROPPED
        : FIRST_LINE_ONLY.has(lower)
          ? FIRST_LINE
          : lower === 'cookie'
            ? COOKIE
            : PASSED;
    known = { lower, kind };
    if (requestNames.size < REQUEST_NAMES_KEPT && name.length <= REQUEST_NAME_KEPT_MAX)
      requestNames.set(name, known);
  }
  return known;
}

/**
 * The request headers of `upstreamRequestHeaders` as one flat name/value list, built from the
 * client's raw lines (the forwarding path: undici takes the list as it is, with no header
 * object to build and walk). Same headers as the object form; a repeated end-to-end header goes
 * on as the client sent it, line by line, instead of comma-joined — except the ones node keeps
 * one line of (first line only) and Cookie (one line, joined), as `req.headers` has them.
 */
export function upstreamRequestHeaderList(req: IncomingMessage, options: ForwardOptions): string[] {
  const raw = req.rawHeaders;
  const listed = req.headers.connection === undefined ? undefined : connectionTokens(req.headers);
  const out: string[] = [];
  let seen: Set<string> | undefined;
  let cookie = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const { lower, kind } = requestName(name);
    if (kind === DROPPED || listed?.has(lower) === true) continue;
    if (kind === FIRST_LINE) {
      seen ??= new Set();
      if (seen.has(lower)) continue;
      seen.add(lower);
    } else if (kind === COOKIE) {
      // several Cookie lines go on as one, joined as node joins them for the match rules
      if (!cookie) out.push(name, req.headers.cookie ?? (raw[i + 1] as string));
      cookie = true;
      continue;
    }
    out.push(name, raw[i + 1] as string);
  }
  const clientIp = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  const trusted = options.trustForwarded === true;
  const proto = trusted ? req.headers['x-forwarded-proto'] : undefined;
  const host = trusted ? req.headers['x-forwarded-host'] : undefined;
  out.push(
    'host',
    options.preserveHost ? (req.headers.host ?? options.upstreamHost) : options.upstreamHost,
    'x-forwarded-for',
    prior ? `${prior}, ${clientIp}` : clientIp,
    'x-forwarded-proto',
    typeof proto === 'string' ? proto : 'http',
    'x-forwarded-host',
    typeof host === 'string' ? host : (req.headers.host ?? ''),
  );
  return out;
}

/** The last Connection value seen and the names it lists beyond the hop-by-hop ones. */
let lastConnection = 'keep-alive';
let lastListed: string[] = [];

function listedBy(connection: string): string[] {
  // the same value comes back as the same string (header-text.ts): one comparison
  if (connection === lastConnection) return lastListed;
  const listed: string[] = [];
  for (const t of connection.split(',')) {
    const token = t.trim().toLowerCase();
    // `keep-alive` (the usual token) names a header dropped anyway: no second pass for it
    if (token && !HOP_BY_HOP.has(token)) listed.push(token);
  }
  lastConnection = connection;
  lastListed = listed;
  return listed;
}

/**
 * Response headers sent back to the client, from the upstream's raw header lines (name, value,
 * name, value…, as undici hands them over): end-to-end ones only, in order, repeats kept.
 */
export function clientResponseHeaders(raw: readonly Buffer[]): string[] {
  const out: string[] = [];
  let listed: Set<string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = headerName(raw[i] as Buffer);
    // only names as long as a hop-by-hop one are looked up (most are not)
    if (HOP_BY_HOP_LENGTHS.has(name.text.length)) {
      if (name.lower === 'connection') {
        const tokens = listedBy(headerValue(name, raw[i + 1] as Buffer));
        if (tokens.length > 0) {
          listed ??= new Set();
          for (const token of tokens) listed.add(token);
        }
        continue;
      }
      if (HOP_BY_HOP.has(name.lower)) continue;
    }
    out.push(name.text, headerValue(name, raw[i + 1] as Buffer));
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
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    // by length first: most requests carry neither, and lower-casing every name costs a string each
    if (name.length === 14 && name.toLowerCase() === 'content-length') contentLengths++;
    else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') transferEncodings++;
  }
  if (contentLengths > 0 && transferEncodings > 0)
    return 'both Content-Length and Transfer-Encoding are present';
  if (contentLengths > 1) return 'Content-Length is repeated';
  // the header object is only read for a field the request has
  if (contentLengths === 1) {
    const cl = req.headers['content-length'];
    if (cl !== undefined && !/^\d+$/.test(cl)) return 'Content-Length is not a number';
  }
  if (transferEncodings > 0) {
    const te = req.headers['transfer-encoding'];
    if (te !== undefined && !/(^|,)\s*chunked\s*$/i.test(te))
      return 'Transfer-Encoding does not end in chunked';
  }
  return undefined;
}
