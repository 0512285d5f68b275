/**
 * A `GitSource`: a git repository whose manifests Sluice applies — polled every `interval` and
 * on `POST /api/v1/gitsources/{name}/sync`. It reads the host's files (a local repository) and
 * makes the control plane fetch from URLs, so writing one needs the admin scope; it then
 * applies with that admin's authority, limited to the environments its spec names.
 */
import { z } from 'zod';
import type { KindDefinition } from '../resources/kind.js';
import { secretRefSchema } from '../secrets/index.js';

const repositoryUrl = z
  .string()
  .min(1)
  .max(2000)
  .refine((u) => /^(https?:\/\/|file:\/\/\/|\/)/.test(u), {
    message:
      'a repository URL: file:///path (or /path) to a local repository, or http(s)://; ssh is not supported by this build (use https with `password` from a secret)',
  });

const interval = z
  .string()
  .default('1m')
  .refine((v) => intervalMs(v) !== null, 'an interval like 30s, 5m or 1h')
  .refine((v) => (intervalMs(v) ?? 0) >= 1000, 'at least 1s');

export const gitSourceSpecSchema = z
  .strictObject({
    url: repositoryUrl,
    branch: z
      .string()
      .regex(/^[A-Za-z0-9._/-]{1,200}$/, 'a branch name')
      .refine((b) => !b.includes('..') && !b.startsWith('/') && !b.startsWith('-'), 'a branch name')
      .default('main'),
    /** Folder of the manifests inside the repository; default its root. */
    path: z
      .string()
      .max(500)
      .refine((p) => !p.split('/').includes('..'), 'a folder inside the repository')
      .default(''),
    interval,
    /** The environments this source may write; documents for any other are refused. */
    environments: z.array(z.string().min(1).max(64)).min(1).max(100),
    /** What to do with a resource git defines that was changed by hand. */
    drift: z.enum(['revert', 'warn']).default('warn'),
    /** Start a run of each Rollout a new commit creates or changes. */
    startRollouts: z.boolean().default(false),
    /** https: who fetches (`password` from a secret: a token). */
    username: z.string().max(200).optional(),
    password: secretRefSchema.optional(),
    /** Key of the HMAC signature on `POST /api/v1/gitsources/{name}/sync`. */
    webhookSecret: secretRefSchema.optional(),
  })
  .meta({ id: 'GitSourceSpec' });
export type GitSourceSpec = z.output<typeof gitSourceSpecSchema>;

/** `30s`, `5m`, `1h`, `1d` → milliseconds; null when it is not an interval. */
export function intervalMs(text: string): number | null {
  const m = /^(\d{1,5})([smhd])$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

export const gitSourceKind: KindDefinition<GitSourceSpec> = {
  kind: 'GitSource',
  plural: 'gitsources',
  aliases: ['gitsource', 'git-source'],
  environmentScoped: false,
  spec: gitSourceSpecSchema as unknown as z.ZodType<GitSourceSpec>,
  writeScope: 'admin',
  applyOrder: 6,
};
