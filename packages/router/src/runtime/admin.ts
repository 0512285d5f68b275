import type { IncomingMessage, ServerResponse } from 'node:http';
import { Internal, NotFound, type SluiceError, ValidationFailed } from '@sluice/core/errors';
import { BadRequest } from '../proxy/errors.js';
import { problemBody } from '../proxy/index.js';
import type { GaugeFamily } from '../telemetry/index.js';
import type { Router } from './types.js';

const DEFAULT_WINDOW_MS = 60_000;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function problem(res: ServerResponse, error: SluiceError): void {
  const text = problemBody(error);
  res.writeHead(error.status, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Per route and version: configuration, health, figures over a window and lifetime totals. */
export function versionsReport(router: Router, windowMs: number, now: number) {
  const status = router.status();
  const totals = new Map(router.metrics.totals().map((t) => [`${t.route}\u0000${t.version}`, t]));
  return {
    configVersion: status.configVersion,
    windowMs,
    versions: status.routes.flatMap((route) =>
      route.versions.map((v) => {
        const t = totals.get(`${route.name}\u0000${v.name}`);
        return {
          route: route.name,
          version: v.name,
          url: v.url,
          weight: v.weight,
          effectiveWeight: v.effectiveWeight,
          healthy: v.healthy,
          window: router.metrics.window(route.name, v.name, windowMs, now),
          /** As a shadow: mirrored requests compared and status mismatches in the window. */
          mirrorWindow: router.metrics.mirrorWindow(route.name, v.name, windowMs, now),
          totals: {
            requests: t?.requests ?? 0,
            errors: t?.errors ?? 0,
            shadowRequests: t?.shadowRequests ?? 0,
          },
        };
      }),
    ),
    mirrors: router.metrics.mirrorTotals(),
  };
}

/** Live gauges for /metrics: configuration version, weights and upstream health. */
export function routerGauges(router: Router): GaugeFamily[] {
  const status = router.status();
  const weight: GaugeFamily = {
    name: 'sluice_router_weight_percent',
    help: 'Share of new requests a version gets after health shedding.',
    samples: [],
  };
  const healthy: GaugeFamily = {
    name: 'sluice_router_upstream_healthy',
    help: '1 when the version passes its health checks (or has none).',
    samples: [],
  };
  for (const route of status.routes) {
    for (const v of route.versions) {
      weight.samples.push({ labels: { route: route.name, version: v.name }, value: v.effectiveWeight });
      healthy.samples.push({ labels: { route: route.name, version: v.name }, value: v.healthy ? 1 : 0 });
    }
  }
  return [
    {
      name: 'sluice_router_config_version',
      help: 'Version of the configuration snapshot in use.',
      samples: [{ labels: {}, value: status.configVersion }],
    },
    weight,
    healthy,
  ];
}

/** The admin port: kept apart from the proxy port so it never shadows a proxied path. */
export function createAdminHandler(router: Router, now: () => number = Date.now) {
  const handle = adminRoutes(router, now);
  // No request may end the process: anything the handler throws becomes a problem answer.
  return (req: IncomingMessage, res: ServerResponse): void => {
    try {
      handle(req, res);
    } catch (err) {
      if (!res.headersSent) problem(res, Internal(`admin request failed: ${(err as Error).message}`));
      else res.destroy();
    }
  };
}

/** The request's path and query, or undefined when the target is not origin-form (`//x`, `*`). */
function adminUrl(raw: string | undefined): URL | undefined {
  const target = raw ?? '/';
  // `//host/path` would parse as a network-path reference with a host: refuse it.
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, 'http://admin');
  } catch {
    return undefined;
  }
}

function adminRoutes(router: Router, now: () => number) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = adminUrl(req.url);
    if (!url) {
      problem(res, BadRequest(`unsupported request target ${JSON.stringify(req.url ?? '').slice(0, 200)}`));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      problem(res, NotFound(`${req.method} ${url.pathname} is not an admin endpoint`));
      return;
    }
    switch (url.pathname) {
      case '/healthz':
        json(res, 200, { status: 'ok' });
        return;
      case '/status':
        json(res, 200, router.status());
        return;
      case '/metrics': {
        router.prometheus().then(
          (text) => {
            res.writeHead(200, {
              'content-type': 'text/plain; version=0.0.4; charset=utf-8',
              'content-length': Buffer.byteLength(text),
            });
            res.end(text);
          },
          (error: Error) => problem(res, Internal(`cannot write the metrics: ${error.message}`)),
        );
        return;
      }
      case '/versions': {
        const raw = url.searchParams.get('windowMs');
        const windowMs = raw === null ? DEFAULT_WINDOW_MS : Number(raw);
        if (!Number.isInteger(windowMs) || windowMs <= 0 || windowMs > router.metrics.retentionMs) {
          const error = ValidationFailed(
            `windowMs must be an integer from 1 to ${router.metrics.retentionMs}`,
            {
              fields: [
                { path: 'query.windowMs', message: 'must be a positive integer within the retention' },
              ],
            },
          );
          problem(res, error);
          return;
        }
        json(res, 200, versionsReport(router, windowMs, now()));
        return;
      }
      default:
        problem(res, NotFound(`${url.pathname} is not an admin endpoint`));
    }
  };
}
