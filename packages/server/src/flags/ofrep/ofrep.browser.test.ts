/**
 * CORS as a browser enforces it: headless Chromium loads a page from another origin, which calls
 * OFREP (preflighted: Authorization, Content-Type, If-None-Match), reads the exposed ETag, gets a
 * 304, opens the change stream with EventSource, and runs the seed's FeatureFlagClient without a
 * token against a public environment.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { OFREP_FLAGS } from './test-support/flags.js';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const seedClient = readFileSync(
  fileURLToPath(new URL('../feature-api/test-support/feature-flag-client.js', import.meta.url)),
  'utf8',
).replace(/^export .*$/m, '');

function page(api: string, token: string): string {
  return `<!doctype html><html><body><pre id="out">pending</pre><script>
${seedClient}
const out = {};
const show = () => { document.getElementById('out').textContent = JSON.stringify(out); };
(async () => {
  try {
    const headers = { authorization: 'Bearer ${token}', 'content-type': 'application/json' };
    const body = JSON.stringify({ context: { targetingKey: 'u1', plan: 'premium' } });
    const first = await fetch('${api}/ofrep/v1/evaluate/flags', { method: 'POST', headers: { ...headers, 'if-none-match': '"nothing"' }, body });
    out.bulkStatus = first.status;
    out.etag = first.headers.get('etag');
    const json = await first.json();
    out.flagCount = json.flags.length;
    const again = await fetch('${api}/ofrep/v1/evaluate/flags', { method: 'POST', headers: { ...headers, 'if-none-match': out.etag }, body });
    out.secondStatus = again.status;
    const one = await fetch('${api}/ofrep/v1/evaluate/flags/new-checkout', { method: 'POST', headers, body });
    out.single = await one.json();
    const denied = await fetch('${api}/ofrep/v1/evaluate/flags/new-checkout', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    out.deniedStatus = denied.status;
    out.deniedBody = await denied.json();
    const client = new FeatureFlagClient('${api}', 'u1', 'production');
    out.seedEnabled = await client.isEnabled('seed-flag');
    out.seedConfig = (await client.getConfig('seed-flag')).config;
    const stream = json.eventStreams[0];
    await new Promise((resolve) => {
      const es = new EventSource(new URL(stream.endpoint.requestUri, '${api}').href);
      es.onopen = () => { out.stream = 'open'; es.close(); resolve(); };
      es.onerror = () => { out.stream = 'error'; es.close(); resolve(); };
    });
  } catch (e) {
    out.error = String(e);
  }
  out.done = true;
  show();
})();
</script></body></html>`;
}

function dumpDom(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      CHROMIUM,
      ['--headless=new', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=15000', '--dump-dom', url],
      { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout) => (error && !stdout ? reject(error) : resolve(stdout)),
    );
  });
}

describe('OFREP and the feature API from a browser page on another origin', () => {
  let t: TestServer;
  let pages: Server;
  let api: string;
  let token: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    await t.request('POST', '/api/v1/apply?environment=production', { body: { documents: [OFREP_FLAGS] } });
    await t.request('PUT', '/api/v1/environments/production', {
      body: { spec: { settings: { publicEvaluation: true } } },
    });
    await t.request('POST', '/api/features/seed-flag?environment=production', {
      body: { enabled: true, public: { theme: 'dark' } },
    });
    token = await t.token(['sdk:production'], 'browser');
    api = await t.server.listen();
    pages = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(api, token));
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => pages?.close(resolve));
    await t?.close();
  });

  it('passes the browser CORS checks for every call', async () => {
    // localhost vs 127.0.0.1: a different origin, so the browser enforces CORS
    const origin = `http://localhost:${(pages.address() as AddressInfo).port}/`;
    const dom = await dumpDom(origin);
    const text = /<pre id="out">([^<]*)<\/pre>/.exec(dom)?.[1] ?? '';
    const out = JSON.parse(text.replaceAll('&quot;', '"').replaceAll('&amp;', '&'));
    expect(out.error).toBeUndefined();
    expect(out).toMatchObject({
      done: true,
      bulkStatus: 200,
      flagCount: Object.keys(OFREP_FLAGS.flags).length + 1, // and the feature API's flag
      secondStatus: 304,
      single: { key: 'new-checkout', value: true, variant: 'on' },
      deniedStatus: 401,
      seedEnabled: true,
      seedConfig: { theme: 'dark' },
      stream: 'open',
    });
    expect(out.etag).toMatch(/^"/);
    expect(out.deniedBody.errorDetails).toBeTruthy();
  }, 90_000);
});
