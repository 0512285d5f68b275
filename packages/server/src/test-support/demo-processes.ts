/**
 * The demo-app versions a test's rollouts started through the `process` provider. They outlive
 * the control plane by design, so tests read them back and clean them up through the provider.
 */
import { createDeployProvider } from '../deploy/factory.js';
import type { DeployProvider } from '../deploy/provider.js';
import { SecretResolver } from '../secrets/secrets.js';

type DeploySpec = Parameters<typeof createDeployProvider>[0];

/** The provider a control plane on `dataDir` uses for `service` in `environment`. */
export function processProvider(
  deploySpec: DeploySpec,
  service: string,
  dataDir: string,
  environment = 'development',
): DeployProvider {
  return createDeployProvider(deploySpec, {
    service,
    environment,
    dataDir,
    secrets: new SecretResolver({}, dataDir),
  });
}

/** The versions running for `service`. */
export async function runningVersions(
  deploySpec: DeploySpec,
  service: string,
  dataDir: string,
): Promise<string[]> {
  const provider = processProvider(deploySpec, service, dataDir);
  try {
    return (await provider.list()).map((d) => d.version);
  } finally {
    await provider.close();
  }
}

/** Stops every version of `service` the test's rollouts left running. */
export async function retireAll(
  deploySpec: DeploySpec,
  service: string,
  dataDir: string,
  environment = 'development',
): Promise<void> {
  const provider = processProvider(deploySpec, service, dataDir, environment);
  try {
    for (const d of await provider.list())
      await provider.retire({ opId: `cleanup-${d.version}`, version: d.version });
  } finally {
    await provider.close();
  }
}
