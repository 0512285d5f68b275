/** The scope string's schema; the rules that read scopes are in grant.ts. */
import { z } from 'zod';

export * from './grant.js';

export const scopeSchema = z
  .string()
  .regex(
    /^(admin|router|(read|write)(:[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)?|sdk:[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$/,
    {
      message: 'a scope is admin, write, read, write:<env>, read:<env>, sdk:<env> or router',
    },
  );
export type Scope = z.infer<typeof scopeSchema>;
