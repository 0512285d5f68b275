/** Flagger's event webhooks over real HTTP: every notice told with Flagger's payload, never more than the cap at once. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Command, parsePlan, type TransitionResult } from '@sluice/core/rollouts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventHooks, MAX_IN_FLIGHT } from './event-hooks.js';
import type { RunRecord } from './run-store.js';

describe('EventHooks', () => {
  let server: Server;
  let base: string;
  const bodies: any[] = [];
  /** Answers held back until the test lets them go. */
  const held: ServerResponse<IncomingMessage>[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => {
        text += c.toString('utf8');
      });
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        if (req.url === '/hold') held.push(res);
        else res.writeHead(req.url === '/fail' ? 500 : 200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const run = { id: 'run-1', environment: 'staging' } as RunRecord;
  const transition = (path: string, notices: number, status = 'running'): TransitionResult => {
    const plan = parsePlan({
      name: 'web',
      version: '2.0.0',
      stages: [
        {
          name: 'canary',
          strategy: 'canary',
          config: {
            app_name: 'web',
            webhooks: [
              {
                type: 'event',
                name: 'tell',
                canary: 'web-canary',
                url: `${base}${path}`,
                metadata: { team: 'a' },
              },
            ],
          },
        },
      ],
    });
    const commands: Command[] = Array.from({ length: notices }, (_, i) => ({
      kind: 'notify',
      opId: `run-1/notify/${i}`,
      stage: null,
      level: i === 0 ? 'info' : 'warning',
      message: `notice ${i}`,
    }));
    return { state: { status, plan } as never, commands, transitions: [], notes: [] };
  };

  it("POSTs each notice with Flagger's event payload; a failure is only logged", async () => {
    bodies.length = 0;
    const log = vi.fn();
    const hooks = new EventHooks(log, () => 1_700_000_000_000);
    hooks.onTransition(run, transition('/fail', 2, 'rolling_back'));
    await vi.waitFor(() => expect(log).toHaveBeenCalledTimes(2));
    expect(bodies).toEqual(
      [0, 1].map((i) => ({
        name: 'web-canary',
        namespace: 'staging',
        phase: 'Failed',
        checksum: '2.0.0',
        metadata: {
          team: 'a',
          eventMessage: `notice ${i}`,
          eventType: i === 0 ? 'Normal' : 'Warning',
          timestamp: '1700000000000',
        },
      })),
    );
    expect(log.mock.calls[0]?.[1]).toMatch(/event webhook "tell" failed: .*answered 500/);
  });

  it(`never has more than ${MAX_IN_FLIGHT} calls under way: the rest are dropped and logged`, async () => {
    bodies.length = 0;
    const log = vi.fn();
    const hooks = new EventHooks(log, () => 0);
    hooks.onTransition(run, transition('/hold', MAX_IN_FLIGHT + 4));
    await vi.waitFor(() => expect(held).toHaveLength(MAX_IN_FLIGHT));
    expect(log.mock.calls.filter((c) => /too many calls under way/.test(c[1]))).toHaveLength(4);
    for (const res of held.splice(0)) res.writeHead(200).end();
    // once they have ended there is room again: a new notice is sent, not dropped
    await vi.waitFor(() => {
      const dropped = log.mock.calls.length;
      hooks.onTransition(run, transition('/ok', 1));
      expect(log.mock.calls.length).toBe(dropped);
    });
    await vi.waitFor(() =>
      expect(bodies.filter((b) => b.metadata.eventMessage === 'notice 0')).toHaveLength(2),
    );
  });
});
