/**
 * Every kind this server knows. A slice adds its kind here; nothing else in the resource
 * machinery changes.
 */
import { environmentKind } from './environments/environment.kind.js';
import { KindRegistry } from './resources/registry.js';
import { tokenKind } from './tokens/token.kind.js';

export function createKindRegistry(options: { defaultEnvironment: () => string }): KindRegistry {
  return new KindRegistry([environmentKind(options.defaultEnvironment), tokenKind]);
}
