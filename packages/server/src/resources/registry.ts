import { NotFound, ValidationFailed } from '@sluice/core';
import type { AnyKind } from './kind.js';

/** The kinds this server knows, found by kind, plural or alias, case-insensitively. */
export class KindRegistry {
  private readonly byName = new Map<string, AnyKind>();
  private readonly ordered: AnyKind[] = [];

  constructor(kinds: AnyKind[] = []) {
    for (const k of kinds) this.register(k);
  }

  register(kind: AnyKind): void {
    for (const name of [kind.kind, kind.plural, ...kind.aliases]) {
      const key = name.toLowerCase();
      const existing = this.byName.get(key);
      if (existing && existing !== kind) throw new Error(`kind name "${name}" is taken by ${existing.kind}`);
      this.byName.set(key, kind);
    }
    this.ordered.push(kind);
  }

  find(name: string): AnyKind | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** The kind, or NOT_FOUND listing the known ones. */
  get(name: string): AnyKind {
    const kind = this.find(name);
    if (kind) return kind;
    throw NotFound(`unknown kind "${name}"; known kinds: ${this.names().join(', ')}`, {
      extensions: { knownKinds: this.names() },
    });
  }

  /** Like get, but a 400 naming the field (for documents). */
  getForDocument(name: string, path: string): AnyKind {
    const kind = this.find(name);
    if (kind) return kind;
    const message = `unknown kind "${name}"; known kinds: ${this.names().join(', ')}`;
    throw ValidationFailed(message, { fields: [{ path, message }] });
  }

  all(): AnyKind[] {
    return [...this.ordered];
  }

  names(): string[] {
    return this.ordered.map((k) => k.kind);
  }
}
