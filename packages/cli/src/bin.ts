// Runs the CLI from TypeScript sources (tests, development): node --import tsx --conditions sluice-source.
import { main } from './index.js';

process.exitCode = await main(process.argv);
