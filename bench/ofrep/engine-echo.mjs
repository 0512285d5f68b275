// Calibration: a bare node:http server doing an evaluation's work and nothing else
// (engine-answer.mjs): the ceiling of any Node server that evaluates these flags, against which
// Sluice's own overhead (everything else it does per request) is measured.
import http from 'node:http';
import { answerWithEngine } from './engine-answer.mjs';

const port = Number(process.argv[2] ?? 0); // 0: any free port
const server = http.createServer(answerWithEngine);
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, token: '' })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
