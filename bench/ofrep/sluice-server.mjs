// The benchmark's Sluice server (sluice-start.mjs); prints {url, token} on stdout.
import { startSluice } from './sluice-start.mjs';

const { server, url, token } = await startSluice(Number(process.argv[2] ?? 0)); // 0: any free port
process.stdout.write(`${JSON.stringify({ url, token })}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
