/**
 * What runs for a Service, and that deleting the Service stops it: versions of the real demo
 * app started by the `process` provider on the control plane's data dir.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processProvider, retireAll } from '../test-support/demo-processes.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const DEMO = fileURLToPath(new URL('../../../../examples/demo-app/server.mjs', import.meta.url));
const deploy = {
  provider: 'process' as const,
  command: `node ${DEMO} --version {version} --port {port}`,
  stopGraceSeconds: 2,
};
const service = (name: string) => ({
  kind: 'Service',
  metadata: { name },
  spec: { deploy, traffic: { provider: 'builtin', route: { pathPrefix: `/${name}` } } },
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('service versions', () => {
  let t: TestServer;
  let dataDir: string;
  const pids: number[] = [];

  async function start(name: string, version: string) {
    const provider = processProvider(deploy, name, dataDir);
    const d = await provider.deploy({ opId: `test/${name}/${version}`, version });
    await provider.waitReady(version, { timeoutMs: 20_000 });
    pids.push(Number(d.info.pid));
    return d;
  }

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    dataDir = t.server.config.dataDir;
    await t.request('POST', '/api/v1/apply', { body: { documents: [service('hello'), service('other')] } });
  });
  afterAll(async () => {
    await t?.close();
    for (const name of ['hello', 'other']) await retireAll(deploy, name, dataDir);
  });

  it('lists what each Service runs, where it answers and how it is doing', async () => {
    const one = await start('hello', '1.0.0');
    await start('hello', '2.0.0');
    await start('other', '1.0.0');
    const hello = await t.request('GET', '/api/v1/service-versions?service=hello');
    expect(hello.status).toBe(200);
    expect(hello.body.items.map((v: any) => [v.service, v.version, v.state, v.provider])).toEqual([
      ['hello', '1.0.0', 'ready', 'process'],
      ['hello', '2.0.0', 'ready', 'process'],
    ]);
    expect(hello.body.items[0].upstreams).toEqual(one.upstreams);
    const all = await t.request('GET', '/api/v1/service-versions?environment=development');
    expect(all.body.items.map((v: any) => `${v.service}@${v.version}`)).toEqual([
      'hello@1.0.0',
      'hello@2.0.0',
      'other@1.0.0',
    ]);
    expect((await t.request('GET', '/api/v1/service-versions?service=nope')).status).toBe(404);
    expect((await t.server.services.local()).map((s) => s.name)).toEqual(['hello', 'other']);
  });

  it("stops a Service's versions when the Service is deleted, and no other's", async () => {
    expect((await t.request('DELETE', '/api/v1/services/hello')).status).toBe(200);
    const [hello1, hello2, other] = pids as [number, number, number];
    for (let i = 0; i < 200 && (alive(hello1) || alive(hello2)); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect([alive(hello1), alive(hello2), alive(other)]).toEqual([false, false, true]);
    const left = await processProvider(deploy, 'hello', dataDir).list();
    expect(left).toEqual([]);
  });
});
