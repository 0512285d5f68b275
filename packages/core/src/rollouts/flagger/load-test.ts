/**
 * A Flagger load-test webhook's `metadata.cmd` (`hey -z 1m -q 10 -c 2 http://host/`) read as
 * data. It is never run as a shell command: the words are parsed here and Sluice's own bounded
 * load generator sends the requests, through the router, and only to the canary's own hosts.
 * Anything else (another tool, shell syntax, an unknown flag, a foreign host) is refused, with why.
 */
import { parseDuration } from '../text.js';

export interface LoadTest {
  webhook: string;
  /** Total requests per second (hey's -q is per worker: q × c). */
  rps: number;
  concurrency: number;
  /** How long one round lasts (-z); with -n only, as long as n requests take at that rate. */
  durationMs: number;
  /** -n: stop after this many requests (per round). */
  requests?: number;
  method: 'GET' | 'HEAD' | 'POST';
  url: string;
  host: string;
  /** Path and query the router is asked for. */
  path: string;
}

export type LoadTestReading = { ok: true; test: LoadTest } | { ok: false; why: string };

/** hey's defaults: 50 workers, 200 requests, no rate limit (Sluice caps it: see MAX_LOAD_RPS). */
const HEY_DEFAULT_CONCURRENCY = 50;
const HEY_DEFAULT_REQUESTS = 200;
/** Without -q hey sends as fast as it can; Sluice's generator is open-loop and needs a rate. */
export const DEFAULT_LOAD_RPS = 50;
export const MAX_LOAD_RPS = 1000;
export const MAX_LOAD_CONCURRENCY = 100;
export const MAX_LOAD_DURATION_MS = 3_600_000;

/**
 * Characters a shell would act on (globs aside: nothing here expands them): a cmd holding any of
 * them is not a plain hey line, so it is refused rather than guessed at.
 */
const SHELL = /[;&|`$<>(){}\\'"!#~\n\r]/;

export function readLoadTest(webhook: string, cmd: string, hosts: readonly string[]): LoadTestReading {
  const refuse = (why: string): LoadTestReading => ({ ok: false, why: `load test "${webhook}": ${why}` });
  if (SHELL.test(cmd)) return refuse('the cmd holds shell syntax; Sluice runs only a plain hey command line');
  const words = cmd.trim().split(/\s+/);
  if (words[0] !== 'hey') return refuse(`only hey commands are understood, not "${words[0] ?? ''}"`);
  let rate: number | undefined;
  let concurrency = HEY_DEFAULT_CONCURRENCY;
  let requests: number | undefined;
  let durationMs: number | undefined;
  let method: LoadTest['method'] = 'GET';
  let url: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const word = words[i] as string;
    if (!word.startsWith('-')) {
      if (url !== undefined) return refuse(`more than one URL ("${url}", "${word}")`);
      url = word;
      continue;
    }
    const value = words[i + 1];
    if (value === undefined) return refuse(`${word} needs a value`);
    i++;
    const count = Number(value);
    switch (word) {
      case '-z':
        try {
          durationMs = parseDuration(value);
        } catch {
          return refuse(`-z ${value} is not a duration`);
        }
        if (durationMs <= 0 || durationMs > MAX_LOAD_DURATION_MS)
          return refuse(`-z ${value} must be longer than zero and at most 1h`);
        break;
      case '-q':
      case '-c':
      case '-n':
        if (!Number.isInteger(count) || count < 1)
          return refuse(`${word} ${value} must be a whole number above 0`);
        if (word === '-q') rate = count;
        else if (word === '-c') concurrency = count;
        else requests = count;
        break;
      case '-m': {
        const m = value.toUpperCase();
        if (m !== 'GET' && m !== 'HEAD' && m !== 'POST')
          return refuse(`-m ${value}: Sluice's load generator sends GET, HEAD or POST`);
        method = m;
        break;
      }
      default:
        return refuse(`${word} is not understood (Sluice reads -z, -q, -c, -n, -m and the URL)`);
    }
  }
  if (url === undefined) return refuse('no URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse(`"${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:')
    return refuse(`${parsed.protocol} URLs are not sent through the router; use http://`);
  const host = parsed.hostname.toLowerCase();
  if (!hosts.map((h) => h.toLowerCase()).includes(host))
    return refuse(
      `${host} is not one of the canary's hosts (${hosts.join(', ') || 'service.hosts is empty'}); load goes only to the canary's own route`,
    );
  if (concurrency > MAX_LOAD_CONCURRENCY) return refuse(`-c ${concurrency} is above ${MAX_LOAD_CONCURRENCY}`);
  const rps = rate === undefined ? DEFAULT_LOAD_RPS : rate * concurrency;
  if (rps > MAX_LOAD_RPS) return refuse(`-q × -c is ${rps} requests per second, above ${MAX_LOAD_RPS}`);
  if (durationMs === undefined) {
    const n = requests ?? HEY_DEFAULT_REQUESTS;
    durationMs = Math.min(MAX_LOAD_DURATION_MS, Math.ceil((n / rps) * 1000));
  }
  return {
    ok: true,
    test: {
      webhook,
      rps,
      concurrency,
      durationMs,
      ...(requests !== undefined ? { requests } : {}),
      method,
      url,
      host,
      path: `${parsed.pathname}${parsed.search}`,
    },
  };
}
