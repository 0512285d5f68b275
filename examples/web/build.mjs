/**
 * Bundles the page (dist/app.js) and, alone, the web provider without OpenFeature, whose
 * minified+gzip size it prints: `node build.mjs` → `{"app": …, "provider": …}` in bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const common = {
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  // the SDK's TypeScript sources, as the tests use them: no build step needed
  conditions: ['sluice-source'],
  define: { 'process.env.NODE_ENV': '"production"' },
  jsx: 'automatic',
  write: false,
  logLevel: 'warning',
};

export async function buildWeb() {
  const app = await build({ ...common, entryPoints: [join(here, 'src/main.tsx')], outfile: 'app.js' });
  const provider = await build({
    ...common,
    stdin: { contents: "export * from '@sluice/sdk/web';", resolveDir: here },
    external: ['@openfeature/web-sdk'],
  });
  mkdirSync(join(here, 'dist'), { recursive: true });
  const code = app.outputFiles[0].contents;
  writeFileSync(join(here, 'dist/app.js'), code);
  const sizes = {
    app: { minified: code.length, gzip: gzipSync(code).length },
    provider: {
      minified: provider.outputFiles[0].contents.length,
      gzip: gzipSync(provider.outputFiles[0].contents).length,
    },
  };
  writeFileSync(join(here, 'dist/sizes.json'), `${JSON.stringify(sizes)}\n`);
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await buildWeb()));
