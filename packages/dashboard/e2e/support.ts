/**
 * What the dashboard's end-to-end tests share: a real `sluice up` on SQLite (free ports, its
 * own data directory, the built dashboard), Debian's Chromium through playwright-core, an
 * axe-core check, and screenshots under packages/dashboard/test-output/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import {
  build,
  freePort,
  sluice,
  startSluice,
  stop,
  stopDeployedVersions,
  waitReady,
} from '../../../examples/demo/support.mjs';

export const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));

export interface Sluice {
  url: string;
  routerPort: number;
  dataDir: string;
  admin: string;
  cli(args: string[], token?: string): Promise<string>;
  close(): Promise<void>;
}

/** Builds what is not built (the CLI with tsc -b, the dashboard with Vite) and starts Sluice. */
export async function startSluiceUp(): Promise<Sluice> {
  build();
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-dashboard-e2e-'));
  const admin = `e2e-admin-${crypto.randomUUID()}`;
  const [apiPort, routerPort, routerAdminPort] = [await freePort(), await freePort(), await freePort()];
  const url = `http://127.0.0.1:${apiPort}`;
  const child = startSluice(['up'], {
    logFile: join(dataDir, 'sluice.log'),
    env: {
      SLUICE_DATA_DIR: dataDir,
      SLUICE_ADMIN_TOKEN: admin,
      SLUICE_PORT: String(apiPort),
      SLUICE_ROUTER_PORT: String(routerPort),
      SLUICE_ROUTER_ADMIN_PORT: String(routerAdminPort),
      SLUICE_DEFAULT_ENV: 'production',
    },
  });
  await waitReady(url, { isAlive: () => child.exitCode === null });
  return {
    url,
    routerPort,
    dataDir,
    admin,
    async cli(args, token = admin) {
      const out = await sluice(args, { url, token });
      if (out.code !== 0)
        throw new Error(`sluice ${args.join(' ')} exited ${out.code}: ${out.stderr || out.stdout}`);
      return out.stdout;
    },
    async close() {
      await stop(child);
      stopDeployedVersions(dataDir);
      if (process.env.KEEP_E2E_DATA) console.log(`data kept in ${dataDir}`);
      else rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(OUTPUT, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A browser tab signed in with `token` (each context has its own session storage). */
export async function signedIn(
  browser: Browser,
  url: string,
  token: string,
  options: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return { context, page };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical findings on the page as it is now (WCAG 2 A and AA). */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: unknown,
            opts: unknown,
          ) => Promise<{
            violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.join(', ')}`);
}
