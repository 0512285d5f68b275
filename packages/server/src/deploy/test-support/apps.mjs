// Test programs for the process provider, one per behaviour: `node apps.mjs <mode> <version> <port> [marker]`.
//   demo      the demo app (examples/demo-app)
//   stubborn  answers /health but ignores SIGTERM (retire must SIGKILL it)
//   sick      listens but /health answers 503 (never ready)
//   flaky     the first run (no marker file yet) dies with EADDRINUSE, later runs are the demo app
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createDemoServer } from '../../../../../examples/demo-app/server.mjs';

const [mode, version, port, marker] = process.argv.slice(2);

if (mode === 'flaky' && marker && !existsSync(marker)) {
  writeFileSync(marker, 'first run');
  console.error(`Error: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
  process.exit(1);
}

if (mode === 'demo' || mode === 'flaky') {
  const app = createDemoServer({ version, port: Number(port), host: '127.0.0.1' });
  await app.listen();
  console.log(`demo app ${version} listening on ${port}`);
  process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
} else {
  const server = http.createServer((_req, res) => {
    const ok = mode !== 'sick';
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ok ? 'ok' : 'sick', version }));
  });
  server.listen(Number(port), '127.0.0.1', () => console.log(`${mode} ${version} listening on ${port}`));
  if (mode === 'stubborn') process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
  else process.on('SIGTERM', () => process.exit(0));
}
