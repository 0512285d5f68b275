// Starts @unleash/proxy serving the benchmark's flags from a bootstrap (no Unleash server: the
// upstream URL points at a closed port and refreshes are rare); prints {url, token}.
import { createApp } from '@unleash/proxy';
import { unleashFeatures } from './flags.mjs';

const port = Number(process.argv[2] ?? 0); // 0: any free port (other benchmarks may run)
const token = 'bench-proxy-client-key';
const app = createApp({
  unleashUrl: 'http://127.0.0.1:9/api',
  unleashApiToken: 'unused',
  clientKeys: [token],
  refreshInterval: 3_600_000,
  metricsInterval: 0,
  enableAllEndpoint: true,
  logLevel: 'fatal',
  expBootstrap: { data: unleashFeatures() },
});
const server = app.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, token })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
