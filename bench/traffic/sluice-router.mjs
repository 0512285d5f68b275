// Starts the Sluice router from the built package for the traffic benchmark.
// argv: port adminPort upstreamA upstreamB [another build's dist/index.js, to compare, or ""]
//       [workers=1]
import { pathToFileURL } from 'node:url';

const [port, adminPort, a, b, build, workers] = process.argv.slice(2);
const { createRouter } = await import(build ? pathToFileURL(build).href : '@sluice/router');
const router = await createRouter({
  listen: { port: Number(port), host: '127.0.0.1' },
  adminListen: { port: Number(adminPort), host: '127.0.0.1' },
  workers: Number(workers ?? 1),
});
await router.applyConfig({
  version: 1,
  routes: [
    {
      name: 'bench',
      versions: [
        { name: 'blue', url: a },
        { name: 'green', url: b },
      ],
      weights: { blue: 90, green: 10 },
    },
  ],
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => router.close().then(() => process.exit(0)));
