/** Test helpers for other packages' tests (`@sluice/server/test-support`, source condition only). */
export { createTestDatabase, DIALECTS, type TestDatabase } from './databases.js';
export { retireAll, runningVersions } from './demo-processes.js';
export { ADMIN_TOKEN, startTestServer, type TestServer, type TestServerOptions } from './server.js';
export { freePort } from './sluice-process.js';
