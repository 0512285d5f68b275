/**
 * Done-when for the web SDK: the React page on SluiceWebProvider, driven in Debian's Chromium,
 * shows a flag flipped through the API without a reload; with the server killed it keeps showing
 * the last answers, and once the server is back it reconnects and follows the next flip.
 */
import { createTestDatabase, startTestServer, type TestServer } from '@sluice/server/test-support';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from './build.mjs';
import { serveWeb } from './serve.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const FLAGS = {
  flags: {
    'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
    'banner-colour': { state: 'ENABLED', variants: { red: 'red', green: 'green' }, defaultVariant: 'red' },
  },
};

describe('examples/web in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let web: { server: import('node:http').Server; url: string };
  const database = createTestDatabase('sqlite');

  const flip = async (variant: 'on' | 'off') => {
    const spec = { ...FLAGS.flags['new-checkout'], defaultVariant: variant };
    const res = await t.request('PUT', '/api/v1/flags/new-checkout?environment=development', {
      body: { spec },
    });
    expect(res.status).toBeLessThan(300);
  };

  beforeAll(async () => {
    t = await startTestServer('sqlite', { defaultEnvironment: 'development', database: await database });
    await t.request('POST', '/api/v1/apply?environment=development', { body: { documents: [FLAGS] } });
    const token = await t.token(['sdk:development'], 'web-example');
    const url = (await t.server.listen()).replace('localhost', '127.0.0.1');
    await buildWeb();
    web = await serveWeb({ url, token });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    web?.server.close();
    await t?.close();
    await (await database).drop();
  });

  it('follows flips without a reload, and keeps serving through a server restart', async () => {
    const page = await browser.newPage();
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(`${web.url}/?user=ada`);
    const heading = page.getByTestId('checkout');
    await heading.getByText('Classic checkout').waitFor({ timeout: 15_000 });
    await page.getByTestId('banner').getByText('Banner colour for ada: red').waitFor();

    await flip('on');
    await heading.getByText('New checkout').waitFor({ timeout: 15_000 });

    // the server goes away: the page keeps its last answers
    const port = Number(new URL(t.server.app.fastify.listeningOrigin).port);
    await t.close();
    await page.waitForTimeout(300);
    expect(await heading.textContent()).toBe('New checkout');

    // back on the same port: the provider reconnects and follows the next flip
    t = await startTestServer('sqlite', {
      defaultEnvironment: 'development',
      database: await database,
      port,
    });
    await t.server.listen();
    await flip('off');
    await heading.getByText('Classic checkout').waitFor({ timeout: 20_000 });
    expect(loads).toBe(1);
  });
});
