import { defineError } from '../errors/index.js';

/** A flag set document (or one flag in it) does not compile; `fields` lists every problem found. */
export const FlagDefinitionInvalid = defineError(
  'FLAG_DEFINITION_INVALID',
  400,
  'The flag definition is not valid',
);
