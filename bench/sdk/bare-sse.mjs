// The ceiling: a bare node:http SSE server, no framework, no database. `POST /fire?id=N` writes
// one frame with a payload of `bytes` bytes to every open stream. Prints its URL.
import { createServer } from 'node:http';

const bytes = Number(process.argv[2] ?? 4000);
const streams = new Set();
const server = createServer((req, res) => {
  if (req.method === 'POST') {
    const id = new URL(req.url, 'http://x').searchParams.get('id');
    const frame = `id: ${id}\nevent: flag-set\ndata: ${'x'.repeat(bytes)}\n\n`;
    for (const s of streams) s.write(frame);
    return res.end('ok');
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(': connected\n\n');
  streams.add(res);
  res.on('close', () => streams.delete(res));
});
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`),
);
