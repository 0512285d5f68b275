/**
 * Serves the built page and /config.js (the Sluice URL and an sdk:<env> token, from SLUICE_URL and
 * SLUICE_SDK_TOKEN). `node serve.mjs` listens on PORT (default: any free port) and prints its URL.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function serveWeb({ port = 0, url, token }) {
  const files = {
    '/': ['text/html; charset=utf-8', () => readFileSync(join(here, 'index.html'))],
    '/app.js': ['text/javascript; charset=utf-8', () => readFileSync(join(here, 'dist/app.js'))],
    '/config.js': [
      'text/javascript; charset=utf-8',
      () => `window.SLUICE = ${JSON.stringify({ url, token })};`,
    ],
  };
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file) return res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]());
  });
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${server.address().port}` }),
    ),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { SLUICE_URL, SLUICE_SDK_TOKEN, PORT } = process.env;
  if (!SLUICE_URL || !SLUICE_SDK_TOKEN) {
    console.error('set SLUICE_URL and SLUICE_SDK_TOKEN (an sdk:<env> token)');
    process.exit(2);
  }
  const { url } = await serveWeb({ port: Number(PORT ?? 0), url: SLUICE_URL, token: SLUICE_SDK_TOKEN });
  console.log(`the page is at ${url}/`);
}
