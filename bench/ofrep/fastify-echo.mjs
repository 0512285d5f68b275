// Calibration: a bare Fastify answering a small JSON POST — the ceiling any Fastify-based
// server reaches on this machine and core at the moment of the run.
import Fastify from 'fastify';

const app = Fastify();
app.post('/echo', async (request) => ({
  key: 'feature-07',
  value: true,
  seen: request.body?.context?.targetingKey,
}));
const port = Number(process.argv[2] ?? 0); // 0: any free port
const url = await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url, token: '' })}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
