import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EMPTY_TRAFFIC } from './model.js';
import { createNginxProvider } from './nginx.js';
import { parseNginxStatus, renderNginxConfig } from './nginx-config.js';
import { describeTrafficProviderContract } from './provider.case.js';
import { startNginx } from './test-support/nginx-process.js';
import { probe, startUpstreams, type Upstreams } from './test-support/upstreams.js';

let upstreams: Upstreams;
beforeAll(async () => {
  upstreams = await startUpstreams(['blue', 'green', 'blue2']);
});
afterAll(async () => {
  await upstreams.close();
});

describeTrafficProviderContract('nginx', async () => {
  const nginx = await startNginx();
  return {
    provider: createNginxProvider(nginx.options),
    upstreams: { blue: upstreams.urls.blue!, green: upstreams.urls.green!, blue2: upstreams.urls.blue2! },
    probe: (n, headers) => probe(nginx.url, n, headers),
    breakDataPlane: nginx.stop,
    close: nginx.stop,
  };
});

describe('nginx provider specifics', () => {
  it('routes by query parameter, and tells header values apart by case', async () => {
    const nginx = await startNginx();
    try {
      const p = createNginxProvider(nginx.options);
      await p.setBackends({ blue: [upstreams.urls.blue!], green: [upstreams.urls.green!] });
      await p.setWeights({ blue: 100 });
      await p.setMatchRules([
        { source: 'query', name: 'canary', value: 'yes', version: 'green' },
        { source: 'header', name: 'X-Tester', value: 'Alice', version: 'green' },
      ]);
      expect(await probe(`${nginx.url}?canary=yes`, 3)).toEqual({ green: 3 });
      expect(await probe(`${nginx.url}?canary=no`, 3)).toEqual({ blue: 3 });
      expect(await probe(nginx.url, 3, { 'x-tester': 'Alice' })).toEqual({ green: 3 });
      expect(await probe(nginx.url, 3, { 'x-tester': 'alice' })).toEqual({ blue: 3 });
    } finally {
      await nginx.stop();
    }
  });

  it('mirrors a share of requests to the shadow version while answering from the primary', async () => {
    const nginx = await startNginx();
    try {
      const p = createNginxProvider(nginx.options);
      await p.setBackends({ blue: [upstreams.urls.blue!], green: [upstreams.urls.green!] });
      await p.setWeights({ blue: 100 });
      await p.setMirror({ version: 'green', percent: 100 });
      const before = upstreams.hits.green ?? 0;
      expect(await probe(nginx.url, 10)).toEqual({ blue: 10 });
      await vi.waitFor(() => expect((upstreams.hits.green ?? 0) - before === 10).toBe(true), {
        timeout: 5_000,
        interval: 50,
      });
      await p.setMirror(null);
      const after = upstreams.hits.green ?? 0;
      expect(await probe(nginx.url, 5)).toEqual({ blue: 5 });
      expect(upstreams.hits.green).toBe(after);
    } finally {
      await nginx.stop();
    }
  });

  it('answers 503 before any split is set', async () => {
    const nginx = await startNginx();
    try {
      expect(await probe(nginx.url, 2)).toEqual({ 'status:503': 2 });
    } finally {
      await nginx.stop();
    }
  });

  it('keeps the running config when nginx -t refuses the file, and says why', async () => {
    const nginx = await startNginx();
    try {
      const p = createNginxProvider(nginx.options);
      await p.setBackends({ blue: [upstreams.urls.blue!] });
      const applied = await p.setWeights({ blue: 100 });
      // Break the main config so the next test run fails: the provider must restore its include.
      const main = String(nginx.options.mainConfig);
      const good = await readFile(main, 'utf8');
      await writeFile(main, good.replace('events {', 'bogus_directive on;\nevents {'));
      const include = await readFile(String(nginx.options.configPath), 'utf8');
      await expect(
        p.setBackends({ blue: [upstreams.urls.blue!], green: [upstreams.urls.green!] }),
      ).rejects.toMatchObject({
        code: 'TRAFFIC_PROVIDER_REJECTED',
      });
      expect(await readFile(String(nginx.options.configPath), 'utf8')).toBe(include);
      await writeFile(main, good);
      expect(await p.read()).toEqual(applied);
      expect(await probe(nginx.url, 3)).toEqual({ blue: 3 });
    } finally {
      await nginx.stop();
    }
  });

  it('reports TRAFFIC_APPLY_TIMEOUT when NGINX does not load the change, which lands once it does', async () => {
    const nginx = await startNginx();
    try {
      const p = createNginxProvider({ ...nginx.options, reloadTimeoutMs: 300 });
      await p.setBackends({ blue: [upstreams.urls.blue!] });
      // A stopped master cannot act on the reload signal; its workers keep serving the old config.
      process.kill(nginx.masterPid, 'SIGSTOP');
      try {
        await expect(p.setWeights({ blue: 100 })).rejects.toMatchObject({ code: 'TRAFFIC_APPLY_TIMEOUT' });
        expect((await p.read()).weights).toEqual({ blue: 0 });
      } finally {
        process.kill(nginx.masterPid, 'SIGCONT');
      }
      await vi.waitFor(async () => expect((await p.read()).weights.blue === 100).toBe(true), {
        timeout: 5_000,
        interval: 50,
      });
    } finally {
      await nginx.stop();
    }
  });

  it('refuses values NGINX cannot carry, naming the field', async () => {
    const nginx = await startNginx();
    try {
      const p = createNginxProvider(nginx.options);
      await p.setBackends({ blue: [upstreams.urls.blue!] });
      await expect(
        p.setMatchRules([{ source: 'header', name: 'x-a', value: 'a"; return 200 "pwned', version: 'blue' }]),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: 'matchRules[0].value' }] });
      await expect(
        p.setMatchRules([{ source: 'cookie', name: 'a-b', value: 'x', version: 'blue' }]),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: 'matchRules[0].name' }] });
    } finally {
      await nginx.stop();
    }
  });

  it('round-trips the state through the rendered status line', () => {
    const text = renderNginxConfig(
      { ...EMPTY_TRAFFIC, backends: { a: ['http://127.0.0.1:1'] }, weights: { a: 100 } },
      { service: 'svc', listen: '127.0.0.1:1', statusListen: '127.0.0.1:2' },
      'rev-1',
    );
    const body = /return 200 "([^":]+):\$pid"/.exec(text)?.[1] ?? '';
    expect(parseNginxStatus(body)).toEqual({
      revision: 'rev-1',
      state: { backends: { a: ['http://127.0.0.1:1'] }, weights: { a: 100 }, matchRules: [], mirror: null },
    });
    expect(text).toContain('upstream sluice_svc_split {');
  });
});
