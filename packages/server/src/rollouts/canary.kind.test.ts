/** The Flagger Canary kind through the API: applied unchanged, who may write webhooks, bad input, starting. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/server.js';

const canary = (spec: Record<string, unknown>, name = 'web-canary') => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name, namespace: 'shop' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, ...spec },
});
const analysis = (extra: Record<string, unknown> = {}) => ({
  interval: '30s',
  threshold: 3,
  stepWeight: 20,
  metrics: [{ name: 'error-rate', thresholdRange: { max: 1 } }],
  ...extra,
});

describe('Canary kind', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
  });
  afterAll(async () => t?.close());

  it('keeps metadata.namespace as a label and lists a refused load test as a warning, not a refusal', async () => {
    const doc = canary({
      service: { port: 80, hosts: ['web.example.com'] },
      analysis: analysis({
        webhooks: [
          {
            name: 'lt',
            url: 'http://flagger-loadtester.test/',
            metadata: { cmd: 'hey -z 1m -q 5 -c 1 http://other.example.com/' },
          },
          {
            name: 'sh',
            url: 'http://flagger-loadtester.test/',
            metadata: { cmd: 'curl http://web.example.com/ | sh' },
          },
        ],
      }),
    });
    const res = await t.request('POST', '/api/v1/apply', { body: { documents: [doc] } });
    expect(res.status, res.text).toBe(200);
    const warnings = res.body.results[0].warnings.join('\n') as string;
    expect(warnings).toMatch(/ignored by Sluice: spec\.service\.port/);
    expect(warnings).toMatch(
      /not run: .*other\.example\.com is not one of the canary's hosts \(web\.example\.com\)/,
    );
    expect(warnings).toMatch(/not run: .*shell syntax/);
    expect(warnings).toMatch(/targetRef web is not a Service in development yet/);
    const stored = await t.request('GET', '/api/v1/canaries/web-canary');
    expect(stored.body.metadata.environment).toBe('development');
    expect(stored.body.spec.namespace).toBe('shop');
  });

  it('lets a write token apply a load test, but only an admin a webhook URL the control plane would call', async () => {
    const writer = await t.token(['write'], 'ci');
    const loadOnly = canary(
      {
        service: { hosts: ['web.example.com'] },
        analysis: analysis({
          webhooks: [
            {
              name: 'lt',
              url: 'http://10.0.0.9/',
              metadata: { cmd: 'hey -z 1m -q 5 -c 1 http://web.example.com/' },
            },
          ],
        }),
      },
      'by-writer',
    );
    const ok = await t.request('POST', '/api/v1/apply', { body: { documents: [loadOnly] }, token: writer });
    expect(ok.status, ok.text).toBe(200);
    const gate = canary(
      {
        analysis: analysis({
          webhooks: [{ name: 'gate', type: 'confirm-promotion', url: 'http://10.0.0.9/gate' }],
        }),
      },
      'gated',
    );
    const refused = await t.request('POST', '/api/v1/apply', { body: { documents: [gate] }, token: writer });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('OPERATOR_ONLY');
    expect(refused.body.detail).toMatch(/spec\.analysis\.webhooks\[0\]\.url reach the host/);
    expect((await t.request('GET', '/api/v1/canaries/gated')).status).toBe(404);
    const asAdmin = await t.request('POST', '/api/v1/apply', { body: { documents: [gate] } });
    expect(asAdmin.status, asAdmin.text).toBe(200);
    expect(asAdmin.body.results[0].warnings.join('\n')).not.toMatch(/not called/);
  });

  it('calls a rollout webhook as a check, and lets only an admin write one into a plan', async () => {
    const checked = canary(
      { analysis: analysis({ webhooks: [{ name: 'acceptance', url: 'http://10.0.0.9/run' }] }) },
      'checked',
    );
    const applied = await t.request('POST', '/api/v1/apply', { body: { documents: [checked] } });
    expect(applied.status, applied.text).toBe(200);
    expect(applied.body.results[0].warnings.join('\n')).not.toMatch(/acceptance.*not called/);
    // the same check written straight into a plan reaches the host just as well
    const writer = await t.token(['write'], 'ci');
    const plan = {
      name: 'hooked',
      version: '2.0.0',
      stages: [
        {
          name: 'canary',
          strategy: 'canary',
          config: { app_name: 'web', thresholds: { 'webhook:acceptance': { min: 1, min_samples: 1 } } },
        },
      ],
      metric_templates: {
        'webhook:acceptance': { webhook: { canary: 'hooked', url: 'http://10.0.0.9/run' } },
      },
    };
    const refused = await t.request('POST', '/api/v1/apply', { body: { documents: [plan] }, token: writer });
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body.detail).toMatch(/metric_templates\.webhook:acceptance\.webhook\.url/);
    const asAdmin = await t.request('POST', '/api/v1/apply', { body: { documents: [plan] } });
    expect(asAdmin.status, asAdmin.text).toBe(200);
  });

  it("lets only an admin write a canary stage's webhook into a plan", async () => {
    const writer = await t.token(['write'], 'ci');
    const plan = {
      name: 'stage-hooked',
      version: '2.0.0',
      stages: [
        {
          name: 'canary',
          strategy: 'canary',
          config: {
            app_name: 'web',
            webhooks: [
              { type: 'confirm-promotion', name: 'gate', canary: 'web', url: 'http://10.0.0.9/gate' },
            ],
          },
        },
      ],
    };
    const refused = await t.request('POST', '/api/v1/apply', { body: { documents: [plan] }, token: writer });
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body.code).toBe('OPERATOR_ONLY');
    expect(refused.body.detail).toMatch(/stages\[0\]\.config\.webhooks\[0\]\.url/);
    expect((await t.request('GET', '/api/v1/rollouts/stage-hooked')).status).toBe(404);
    const asAdmin = await t.request('POST', '/api/v1/apply', { body: { documents: [plan] } });
    expect(asAdmin.status, asAdmin.text).toBe(200);
    // a bad hook is refused, naming the field
    const bad = structuredClone(plan);
    (bad.stages[0] as any).config.webhooks[0].type = 'confirm-everything';
    const badRes = await t.request('POST', '/api/v1/apply', { body: { documents: [bad] } });
    expect(badRes.status).toBe(400);
    expect(JSON.stringify(badRes.body)).toMatch(
      /stages\[0\]\.config\.webhooks\[0\]\.type|stages\.0\.config\.webhooks\.0\.type/,
    );
  });

  it('refuses bad canaries, naming the field, and changes nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [canary({ analysis: analysis({ interval: '0s' }) }), /spec\.analysis\.interval.*longer than zero/],
      [
        canary({
          analysis: analysis({ metrics: [{ name: 'error-rate', thresholdRange: { min: 5, max: 1 } }] }),
        }),
        /spec\.analysis\.metrics\[0\]\.thresholdRange\.min.*no value could pass/,
      ],
      [
        canary({
          analysis: analysis({ metrics: [{ name: 'nf', templateRef: { name: 'no-such-template' } }] }),
        }),
        /spec\.analysis\.metrics\[0\]\.templateRef/,
      ],
      [
        canary({ analysis: analysis({ metrics: [{ name: 'no_such_metric' }] }) }),
        /spec\.analysis\.metrics\[0\]\.name.*no_such_metric/,
      ],
      [canary({ analysis: analysis({ stepWeights: [10, 5] }) }), /spec\.analysis\.stepWeights.*rise/],
    ];
    for (const [doc, why] of cases) {
      const res = await t.request('POST', '/api/v1/apply', { body: { documents: [doc] } });
      expect(res.status, JSON.stringify(doc)).toBe(400);
      expect(JSON.stringify(res.body.errors ?? res.body)).toMatch(why);
    }
    expect((await t.request('GET', '/api/v1/canaries/web-canary')).body.metadata.version).toBe(1);
  });

  it("refuses to start load tests aimed at a host other than the target Service's own route", async () => {
    const writer = await t.token(['write:development'], 'dev');
    const service = await t.request('PUT', '/api/v1/services/shop?environment=development', {
      token: writer,
      body: {
        spec: {
          deploy: { provider: 'static', upstreams: { '2.0.0': ['http://127.0.0.1:9/'] } },
          traffic: { provider: 'builtin', route: { host: 'shop.dev.localhost' } },
        },
      },
    });
    expect(service.status, service.text).toBe(201);
    // service.hosts is the writer's word: naming another owner's host there proves nothing
    const aimed = (host: string, name: string) =>
      canary(
        {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
          service: { hosts: [host] },
          analysis: analysis({
            webhooks: [
              {
                name: 'lt',
                url: 'http://flagger-loadtester.test/',
                metadata: { cmd: `hey -z 1m -q 100 -c 10 http://${host}/` },
              },
            ],
          }),
        },
        name,
      );
    const applied = await t.request('POST', '/api/v1/apply', {
      body: { documents: [aimed('prod.example.com', 'aimed-elsewhere')] },
      token: writer,
    });
    expect(applied.status, applied.text).toBe(200);
    const start = await t.request('POST', '/api/v1/rollouts/aimed-elsewhere/start?environment=development', {
      body: { version: '2.0.0' },
      token: writer,
    });
    expect(start.status, start.text).toBe(409);
    expect(start.body.detail).toMatch(
      /load test "lt" targets prod\.example\.com, not shop\.dev\.localhost, the host of Route shop/,
    );
    const runs = await t.request(
      'GET',
      '/api/v1/rollout-runs?environment=development&rollout=aimed-elsewhere',
    );
    expect(runs.body.items).toHaveLength(0);
  });

  it('starts only with a version, and says which is missing', async () => {
    const res = await t.request('POST', '/api/v1/rollouts/web-canary/start', { body: {} });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/body\.version.*required to start a Canary/);
    const none = await t.request('POST', '/api/v1/rollouts/nothing-here/start', {
      body: { version: '2.0.0' },
    });
    expect(none.status).toBe(404);
    expect(none.body.detail).toMatch(/no Rollout or Canary "nothing-here"/);
  });
});
