// A control plane stand-in for the crash test: deploys one version with the process provider,
// prints the deployment as JSON, then idles until it is killed (SIGKILL, by the test).
import { createProcessProvider } from '../process.js';

const provider = createProcessProvider(
  { provider: 'process', command: process.env.COMMAND as string },
  { service: 'crash-test', dataDir: process.env.DATA_DIR as string },
);
const deployment = await provider.deploy({ opId: 'op/crash', version: process.env.VERSION as string });
console.log(JSON.stringify(deployment));
setInterval(() => {}, 60_000);
