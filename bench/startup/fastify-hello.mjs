// The reference point: a bare Fastify hello-world with a /readyz route.
import Fastify from 'fastify';

const app = Fastify();
app.get('/readyz', async () => ({ status: 'ready' }));
const url = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`Sluice ${url}`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
