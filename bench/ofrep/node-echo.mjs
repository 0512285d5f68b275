// Calibration: a bare node:http server answering a small JSON POST (body read and parsed, no
// framework) — the ceiling any Node server reaches on this machine and core at that moment.
// With a size (argv[3], bytes), the answer is padded to it: the ceiling for an answer as large
// as a bulk evaluation's.
import http from 'node:http';

const port = Number(process.argv[2] ?? 0); // 0: any free port
const size = Number(process.argv[3] ?? 0);
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const seen = JSON.parse(Buffer.concat(chunks).toString('utf8'))?.context?.targetingKey;
    const small = JSON.stringify({ key: 'feature-07', value: true, seen });
    const body =
      size > small.length ? JSON.stringify({ seen, padding: 'x'.repeat(size - small.length) }) : small;
    res.writeHead(200, [
      'content-type',
      'application/json; charset=utf-8',
      'content-length',
      String(Buffer.byteLength(body)),
    ]);
    res.end(body);
  });
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, token: '' })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
