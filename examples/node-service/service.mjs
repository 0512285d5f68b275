/**
 * A Node service on OpenFeature's server SDK with the Sluice provider: flags evaluate in-process
 * (no network call per request) on a copy of the environment's flag set that the server streams.
 * `GET /checkout?user=ID` answers which checkout the user gets and the provider's status.
 * `node service.mjs` reads SLUICE_URL, SLUICE_SDK_TOKEN (an sdk:<env> token) and PORT (default: any).
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { SluiceProvider } from '@sluice/sdk';

export async function startService({ port = 0, url, token, log = console.log }) {
  const provider = new SluiceProvider({ url, token });
  const domain = `node-service-${port}-${Math.random()}`;
  await OpenFeature.setProviderAndWait(domain, provider);
  const flags = OpenFeature.getClient(domain);
  flags.addHandler(ProviderEvents.Stale, (e) => log(`flags are stale (serving the last set): ${e?.message}`));
  flags.addHandler(ProviderEvents.Ready, () => log('flags are current'));
  flags.addHandler(ProviderEvents.ConfigurationChanged, (e) =>
    log(`flags changed: ${e?.flagsChanged?.join(', ')}`),
  );

  const server = createServer(async (req, res) => {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://x');
    if (pathname !== '/checkout') return res.writeHead(404).end();
    const user = searchParams.get('user') ?? 'anonymous';
    const details = await flags.getBooleanDetails('new-checkout', false, { targetingKey: user });
    const body = {
      user,
      checkout: details.value ? 'new' : 'classic',
      variant: details.variant,
      flags: provider.client.status(),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    provider,
    async close() {
      server.close();
      await provider.onClose();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { SLUICE_URL, SLUICE_SDK_TOKEN, PORT } = process.env;
  if (!SLUICE_URL || !SLUICE_SDK_TOKEN) {
    console.error('set SLUICE_URL and SLUICE_SDK_TOKEN (an sdk:<env> token)');
    process.exit(2);
  }
  const service = await startService({ port: Number(PORT ?? 0), url: SLUICE_URL, token: SLUICE_SDK_TOKEN });
  console.log(`listening on ${service.url}`);
  process.on('SIGTERM', () => service.close().then(() => process.exit(0)));
}
