import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createUpLogger } from './logger.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => {
    text += d;
  });
  return { stream, text: () => text };
}

describe('the log of sluice up', () => {
  it('is one readable line per entry on a terminal, with the request id only on errors', () => {
    const out = capture();
    const log = createUpLogger({ logLevel: 'info', logFormat: undefined }, true, out.stream);
    log.info({ reqId: 'r-1', status: 200, ms: 3 }, 'GET /api/v1/environments 200 3ms');
    log.error({ reqId: 'r-2' }, 'POST /api/v1/apply 500 9ms');
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/\d\d:\d\d:\d\d.*INFO.*GET \/api\/v1\/environments 200 3ms/);
    expect(lines[0]).not.toContain('r-1');
    expect(lines[0]).not.toContain('{');
    expect(lines[1]).toMatch(/ERROR.*POST \/api\/v1\/apply 500 9ms \(request r-2\)/);
  });

  it('is JSON lines when not on a terminal, or when asked for', () => {
    for (const [terminal, logFormat] of [
      [false, undefined],
      [true, 'json'],
    ] as const) {
      const out = capture();
      createUpLogger({ logLevel: 'info', logFormat }, terminal, out.stream).info({ reqId: 'r-1' }, 'hello');
      expect(JSON.parse(out.text())).toMatchObject({ msg: 'hello', reqId: 'r-1', level: 30 });
    }
    const forced = capture();
    createUpLogger({ logLevel: 'info', logFormat: 'pretty' }, false, forced.stream).info('hello');
    expect(forced.text()).toMatch(/INFO.*hello\n$/);
    expect(forced.text()).not.toContain('\u001b['); // no colours into a file
  });
});
