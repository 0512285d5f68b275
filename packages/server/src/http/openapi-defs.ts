/**
 * zod's JSON Schemas come each with its own `$defs` and `$ref: "#/$defs/X"`, which inside an
 * OpenAPI document point at the document's root, where no `$defs` is. This moves every `$defs`
 * entry to `components.schemas` and points the refs there, so every `$ref` resolves. Named
 * schemas (zod `.meta({id})`) are the same wherever they appear; zod's anonymous
 * `__schemaN` are local to one schema, so they get a name of their own per place.
 */
type Json = Record<string, unknown>;

export function hoistDefs(document: Json): Json {
  const components = ((document.components as Json | undefined) ?? {}) as Json;
  const schemas = ((components.schemas as Json | undefined) ?? {}) as Json;
  let anonymous = 0;
  const visit = (node: unknown, names: Map<string, string>): unknown => {
    if (Array.isArray(node)) return node.map((n) => visit(n, names));
    if (!node || typeof node !== 'object') return node;
    const obj = node as Json;
    let local = names;
    if (obj.$defs && typeof obj.$defs === 'object') {
      local = new Map(names);
      const defs = obj.$defs as Json;
      for (const name of Object.keys(defs))
        local.set(name, name.startsWith('__') ? `Anonymous${++anonymous}` : name);
      for (const [name, def] of Object.entries(defs)) schemas[local.get(name) as string] = visit(def, local);
    }
    const out: Json = {};
    for (const [key, value] of Object.entries(obj)) {
      if (key === '$defs') continue;
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/$defs/')) {
        const name = value.slice('#/$defs/'.length);
        out.$ref = `#/components/schemas/${local.get(name) ?? name}`;
      } else out[key] = visit(value, local);
    }
    return out;
  };
  const paths = visit(document.paths, new Map());
  return { ...document, paths, components: { ...components, schemas } };
}
