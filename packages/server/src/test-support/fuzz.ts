/**
 * Shared input generators for the fuzz suites (fast-check), and the seed: printed by every run,
 * replayed with `SLUICE_FUZZ_SEED=<n>`; `SLUICE_FUZZ_RUNS` scales the number of runs.
 */
import net from 'node:net';
import fc from 'fast-check';

/** The run's seed: `SLUICE_FUZZ_SEED` when set, else a fresh one. Printed so a failure replays. */
export function fuzzSeed(suite: string): number {
  const given = process.env.SLUICE_FUZZ_SEED;
  const seed = given !== undefined && given !== '' ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isInteger(seed)) throw new Error(`SLUICE_FUZZ_SEED must be an integer, not ${given}`);
  console.log(`${suite}: fuzz seed ${seed} (replay with SLUICE_FUZZ_SEED=${seed})`);
  return seed;
}

/** Runs per property: `base`, scaled by `SLUICE_FUZZ_RUNS` (a factor, default 1). */
export function fuzzRuns(base: number): number {
  const factor = Number(process.env.SLUICE_FUZZ_RUNS || 1);
  return Math.max(1, Math.round(base * (Number.isFinite(factor) ? factor : 1)));
}

/** Strings that have broken parsers and routers somewhere. */
export const nastyString = fc.oneof(
  fc.string({ maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.constantFrom(
    '',
    '/',
    '//',
    '..',
    '%',
    '%zz',
    '%2e%2e',
    '\u0000',
    '__proto__',
    'constructor',
    'toString',
    'x'.repeat(600),
    '🙂',
    '*',
    '-1',
    '1e309',
    'NaN',
    'null',
    '{}',
  ),
);

/** Any JSON, including deep nesting, prototype keys and huge numbers. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 50, max: 3_000 }).map((n) => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`)),
  },
  { weight: 1, arbitrary: fc.dictionary(nastyString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(1e308, -0, 2 ** 53 + 1, '', null, [], {}) },
);

/** A path segment: one of the names that exist (so handlers get past 404), or a hostile one. */
export function segment(real: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...real) },
    { weight: 2, arbitrary: nastyString.map((s) => encodeURIComponent(s)) },
    { weight: 1, arbitrary: nastyString },
  );
}

/** A query string with the parameters routes read, and others. */
export function queryString(real: readonly string[]): fc.Arbitrary<string> {
  return fc
    .dictionary(
      fc.constantFrom(
        'environment',
        'limit',
        'cursor',
        'window',
        'metric',
        'version',
        'userId',
        'ticket',
        'x',
      ),
      fc.oneof(fc.constantFrom(...real), nastyString),
      { maxKeys: 3 },
    )
    .map((q) => {
      const text = new URLSearchParams(q).toString();
      return text ? `?${text}` : '';
    });
}

/** A raw HTTP/1.1 request, well-formed or not (a header line may be anything). */
export const rawRequest = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'BREW', 'G T'),
    target: fc.oneof(
      fc.constantFrom(
        '/',
        '//',
        '/healthz',
        '/status',
        '/metrics',
        '/versions?windowMs=-1',
        '*',
        'http://[::1',
        '/%zz',
        '/a/../b',
      ),
      nastyString.map((s) => `/${s}`),
    ),
    host: fc.oneof(fc.constantFrom('a.test', 'localhost', ''), nastyString),
    twoHosts: fc.boolean(),
    extra: fc.array(
      fc.oneof(
        fc.constantFrom(
          'Transfer-Encoding: chunked',
          'Content-Length: 5',
          'Content-Length: -1',
          'Expect: 100-continue',
          'Upgrade: websocket',
          'Connection: upgrade',
          'X-Forwarded-For: ::1',
        ),
        nastyString.map((s) => `X-Fuzz: ${s}`),
        nastyString,
      ),
      { maxLength: 3 },
    ),
    body: fc.oneof(fc.constant(''), fc.string({ maxLength: 64 })),
  })
  .map((r) => {
    const lines = [`${r.method} ${r.target} HTTP/1.1`, `Host: ${r.host}`];
    if (r.twoHosts) lines.push('Host: b.test');
    lines.push(...r.extra, 'Connection: close');
    return `${lines.join('\r\n')}\r\n\r\n${r.body}`;
  });

/**
 * Sends raw bytes and resolves with the status of the answer, 0 when the server closed without
 * one (a refusal at the parser), or -1 when it kept quiet for `quietMs` (then the socket is
 * dropped: a request that waits for more bytes is not a failure).
 */
export function sendRaw(port: number, bytes: string, quietMs = 2_000): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes, 'latin1'));
    let text = '';
    const done = (status: number) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    const timer = setTimeout(() => done(-1), quietMs);
    socket.on('data', (d) => {
      text += d.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (m && text.includes('\r\n\r\n')) done(Number(m[1]));
    });
    socket.on('close', () => done(Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on('error', () => {});
  });
}
