/**
 * `npm run api-types`: regenerates src/api/schema.d.ts from the server's OpenAPI document.
 * The dashboard's client is typed by that file only; src/api/schema.test.ts fails when the
 * committed file no longer matches the server.
 */
import { writeFileSync } from 'node:fs';
import { apiTypes } from './api-types-source.js';

const out = new URL('../src/api/schema.d.ts', import.meta.url);
writeFileSync(out, await apiTypes());
console.log(`wrote ${out.pathname}`);
