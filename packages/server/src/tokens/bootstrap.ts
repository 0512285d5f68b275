/**
 * The first admin token. `SLUICE_ADMIN_TOKEN` names one; without it a token is generated on
 * the first start, printed once and written to `<data dir>/admin-token` (0600) for the CLI.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenService } from './tokens.service.js';

export interface BootstrapResult {
  /** The secret, when this call generated it (print it once). */
  generated: string | null;
  file: string | null;
}

export async function bootstrapAdminToken(
  tokens: TokenService,
  options: { adminToken?: string | undefined; dataDir: string },
): Promise<BootstrapResult> {
  const actor = { subject: 'system', requestId: null };
  if (options.adminToken) {
    if (!(await tokens.findBySecret(options.adminToken))) {
      try {
        await tokens.create(
          { subject: 'admin', scopes: ['admin'], roles: [], description: 'from SLUICE_ADMIN_TOKEN' },
          actor,
          options.adminToken,
        );
      } catch (error) {
        // replicas first starting together on one database: another one stored it first
        if (!(await tokens.findBySecret(options.adminToken))) throw error;
      }
    }
    return { generated: null, file: null };
  }
  const file = join(options.dataDir, 'admin-token');
  const existing = (await tokens.list()).some(
    (t) => t.description === 'bootstrap admin token' && !t.revokedAt,
  );
  if (existing && existsSync(file)) return { generated: null, file };
  const created = await tokens.create(
    { subject: 'admin', scopes: ['admin'], roles: [], description: 'bootstrap admin token' },
    actor,
  );
  mkdirSync(options.dataDir, { recursive: true });
  writeFileSync(file, `${created.token}\n`, { mode: 0o600 });
  return { generated: created.token, file };
}
