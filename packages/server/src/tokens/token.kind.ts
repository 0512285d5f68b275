import type { KindDefinition } from '../resources/kind.js';
import { type CreateToken, createTokenSchema } from './token.schema.js';

/** Tokens are listed like other kinds but made with `sluice token create`, never applied. */
export const tokenKind: KindDefinition<CreateToken> = {
  kind: 'Token',
  plural: 'tokens',
  aliases: ['token'],
  environmentScoped: false,
  spec: createTokenSchema,
  writeScope: 'admin',
  appliable: false,
};
