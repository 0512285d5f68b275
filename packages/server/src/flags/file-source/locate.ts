/**
 * Turns the JSON paths of validation problems in a flagd file (`documents[0][2].spec.variants`)
 * into file positions (`flags.yaml:12:7`), so a bad file is reported where it is wrong.
 */
import type { FieldError } from '@sluice/core';
import { LineCounter, parseDocument } from 'yaml';

/** Resource `i` of a flagd file, in the order the Flag kind recognises it: flags, then evaluators. */
export function resourceKeys(document: Record<string, unknown>): string[][] {
  const keys: string[][] = [];
  for (const name of Object.keys((document.flags ?? {}) as object)) keys.push(['flags', name]);
  const evaluators = document.$evaluators;
  if (evaluators && typeof evaluators === 'object' && !Array.isArray(evaluators))
    for (const name of Object.keys(evaluators)) keys.push(['$evaluators', name]);
  return keys;
}

function segments(path: string): string[] {
  return [...path.matchAll(/\[(\d+)\]|\.?([^.[\]]+)/g)].map((m) => (m[1] ?? m[2]) as string);
}

/** Where each field lies in the file; fields it cannot place keep their JSON path. */
export function locateFields(
  file: string,
  text: string,
  document: Record<string, unknown>,
  fields: FieldError[],
): FieldError[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const keys = resourceKeys(document);
  return fields.map((field) => {
    // one resource in the file gives `documents[0].spec…`, several `documents[0][i].spec…`
    const m = /^documents\[0\](?:\[(\d+)\])?\.?(.*)$/.exec(field.path.replace(/ \(.*\)$/, ''));
    const base = m ? keys[Number(m[1] ?? 0)] : undefined;
    if (!m || !base) return field;
    let rest = segments(m[2] ?? '');
    if (rest[0] === 'spec')
      rest = rest.slice(base[0] === '$evaluators' ? 2 : 1); // a segment's spec.rule is the evaluator itself
    else rest = []; // metadata.name: the flag's key
    const jsonPath = [...base, ...rest];
    for (let n = jsonPath.length; n > 0; n--) {
      const node = doc.getIn(
        jsonPath.slice(0, n).map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
        true,
      ) as { range?: [number, number, number] } | undefined;
      if (node?.range) {
        const { line, col } = lineCounter.linePos(node.range[0]);
        return { path: `${file}:${line}:${col} (${jsonPath.join('.')})`, message: field.message };
      }
    }
    return { path: `${file} (${jsonPath.join('.')})`, message: field.message };
  });
}
