// Runs migrations in a separate process (the concurrency test starts several at once).

import { openDatabase } from '../storage/db.js';
import { migrate } from '../storage/migrate.js';

const handle = openDatabase({
  databaseUrl: process.env.DB_URL || undefined,
  pgSchema: process.env.DB_SCHEMA || undefined,
  dataDir: process.env.DATA_DIR as string,
});
const report = await migrate(handle);
await handle.close();
console.log(JSON.stringify(report));
