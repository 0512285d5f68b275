// Types of support.mjs, for the TypeScript tests that drive a real `sluice up` the same way.
import type { ChildProcess } from 'node:child_process';

export const ROOT: string;
export function build(): void;
export function freePort(preferred?: number): Promise<number>;
export function startSluice(
  args: string[],
  options: { env: Record<string, string>; logFile: string },
): ChildProcess;
export function sluice(
  args: string[],
  options: { url: string; token: string },
): Promise<{ code: number | null; stdout: string; stderr: string }>;
export function waitReady(
  url: string,
  options?: { timeoutMs?: number; isAlive?: () => boolean },
): Promise<void>;
export function api(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown>;
export function sleep(ms: number): Promise<void>;
export function stop(child: ChildProcess | null | undefined, graceMs?: number): Promise<void>;
export function stopDeployedVersions(dataDir: string): number;
