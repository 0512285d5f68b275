import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHaproxyProvider } from './haproxy.js';
import { parseServersState, runtimeAddress, runtimeCommand } from './haproxy-runtime.js';
import { describeTrafficProviderContract } from './provider.case.js';
import { startHaproxy } from './test-support/haproxy-process.js';
import { probe, startUpstreams, type Upstreams } from './test-support/upstreams.js';

let upstreams: Upstreams;
beforeAll(async () => {
  upstreams = await startUpstreams(['blue', 'green', 'blue2']);
});
afterAll(async () => {
  await upstreams.close();
});

describeTrafficProviderContract('haproxy', async () => {
  const haproxy = await startHaproxy();
  return {
    provider: createHaproxyProvider({ socket: haproxy.socket, backend: haproxy.backend }),
    upstreams: {
      blue: upstreams.urls.blue!,
      green: upstreams.urls.green!,
      blue2: upstreams.urls.blue2!,
    },
    probe: (n, headers) => probe(haproxy.frontendUrl, n, headers),
    breakDataPlane: haproxy.stop,
    close: haproxy.stop,
  };
});

describe('haproxy provider specifics', () => {
  it('declares no mirror, no match rules and no sticky sessions', () => {
    const p = createHaproxyProvider({ socket: '/nonexistent.sock', backend: 'app' });
    expect(p.capabilities).toMatchObject({ weights: true, mirror: false, headerMatch: false, sticky: false });
  });

  it('changes the split without reloading: the same HAProxy process serves every new split', async () => {
    const haproxy = await startHaproxy();
    const pid = async () =>
      /Pid: (\d+)/.exec(await runtimeCommand({ path: haproxy.socket }, 'show info', 1000))?.[1];
    try {
      const before = await pid();
      expect(before).toBeDefined();
      const p = createHaproxyProvider({ socket: haproxy.socket, backend: haproxy.backend });
      await p.setBackends({ blue: [upstreams.urls.blue!], green: [upstreams.urls.green!] });
      for (const blue of [90, 50, 10]) {
        const applied = await p.setWeights({ blue, green: 100 - blue });
        expect(applied.weights).toEqual({ blue, green: 100 - blue });
        const counts = await probe(haproxy.frontendUrl, 100);
        expect(Math.abs((counts.blue ?? 0) - blue)).toBeLessThanOrEqual(2);
      }
      expect(await pid()).toBe(before);
    } finally {
      await haproxy.stop();
    }
  });

  it('retires a version that served traffic and can bring it back', async () => {
    const haproxy = await startHaproxy();
    try {
      const p = createHaproxyProvider({ socket: haproxy.socket, backend: haproxy.backend });
      await p.setBackends({ blue: [upstreams.urls.blue!], green: [upstreams.urls.green!] });
      await p.setWeights({ green: 100 });
      expect(await probe(haproxy.frontendUrl, 5)).toEqual({ green: 5 });
      await p.setWeights({ blue: 100 });
      expect((await p.setBackends({ blue: [upstreams.urls.blue!] })).backends).toEqual({
        blue: [upstreams.urls.blue!],
      });
      expect(await probe(haproxy.frontendUrl, 5)).toEqual({ blue: 5 });
      await p.setBackends({ blue: [upstreams.urls.blue!], green: [upstreams.urls.blue2!] });
      expect((await p.setWeights({ green: 100 })).backends.green).toEqual([upstreams.urls.blue2!]);
      expect(await probe(haproxy.frontendUrl, 5)).toEqual({ blue2: 5 });
    } finally {
      await haproxy.stop();
    }
  });

  it('keeps idle upstream connections for the servers it adds, as for servers in the config', async () => {
    const haproxy = await startHaproxy();
    try {
      const p = createHaproxyProvider({ socket: haproxy.socket, backend: haproxy.backend });
      await p.setBackends({ blue: [upstreams.urls.blue!] });
      await p.setWeights({ blue: 100 });
      await probe(haproxy.frontendUrl, 5);
      // `show servers conn`: a `# field names` header, then one row per server.
      const [header, row] = (await runtimeCommand({ path: haproxy.socket }, 'show servers conn app', 1000))
        .split('\n')
        .filter((l) => l.startsWith('# ') || l.startsWith('app/'));
      const names = header!.slice(2).trim().split(/\s+/);
      const values = row!.trim().split(/\s+/);
      const idleConnections = Number(values[names.indexOf('idle_cur')]);
      expect(idleConnections).toBeGreaterThan(0);
    } finally {
      await haproxy.stop();
    }
  });

  it('speaks the runtime API over TCP as well as a unix socket', async () => {
    const haproxy = await startHaproxy();
    try {
      const unix = createHaproxyProvider({ socket: haproxy.socket, backend: haproxy.backend });
      const tcp = createHaproxyProvider({ socket: haproxy.tcpSocket, backend: haproxy.backend });
      await unix.setBackends({ blue: [upstreams.urls.blue!] });
      expect(await tcp.read()).toEqual(await unix.read());
      expect((await tcp.setWeights({ blue: 100 })).weights).toEqual({ blue: 100 });
    } finally {
      await haproxy.stop();
    }
  });

  it('refuses an unknown backend as a rejection from HAProxy', async () => {
    const haproxy = await startHaproxy();
    try {
      const p = createHaproxyProvider({ socket: haproxy.socket, backend: 'nope' });
      await expect(p.read()).rejects.toMatchObject({ code: 'TRAFFIC_PROVIDER_REJECTED' });
    } finally {
      await haproxy.stop();
    }
  });

  it('parses runtime addresses and server state', () => {
    expect(runtimeAddress('/run/haproxy.sock')).toEqual({ path: '/run/haproxy.sock' });
    expect(runtimeAddress('tcp://127.0.0.1:9999')).toEqual({ host: '127.0.0.1', port: 9999 });
    expect(runtimeAddress('ipv4@127.0.0.1:9999')).toEqual({ host: '127.0.0.1', port: 9999 });
    const text = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 app 1 2.0.0:0 127.0.0.1 2 0 25 10 0 1 0 0 0 0 0 0 - 5001 - 0 0 - - 0
3 app 2 1.0.0:0 127.0.0.1 0 1 75 90 1 1 0 0 0 0 0 0 - 5002 - 0 0 - - 0
`;
    expect(parseServersState(text, 'app')).toEqual([
      { id: 1, name: '2.0.0:0', addr: '127.0.0.1', port: 5001, adminState: 0, weight: 25 },
      { id: 2, name: '1.0.0:0', addr: '127.0.0.1', port: 5002, adminState: 1, weight: 75 },
    ]);
  });
});
