import { childPath, type LogicCompiler, type OpSpec } from './logic-compile.js';

/**
 * Write-time checks on custom operations. flagd accepts these mistakes and answers the default
 * variant at evaluation; Sluice rejects them when a flag is written (strict mode) so they never ship.
 */

type Check = (c: LogicCompiler, raw: unknown, path: string) => void;

const isOp = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
const SEMVER_OPERATORS = new Set(['=', '!=', '<', '<=', '>', '>=', '^', '~']);

const checkFractional: Check = (c, raw, path) => {
  if (!Array.isArray(raw)) {
    if (!isOp(raw)) c.problem(path, 'fractional takes [bucketing key?, [variant, weight], ...]', true);
    return;
  }
  const start = Array.isArray(raw[0]) ? 0 : 1;
  if (raw.length <= start) c.problem(path, 'fractional needs at least one [variant, weight] bucket', true);
  let total = 0;
  for (let i = start; i < raw.length; i++) {
    const entry = raw[i];
    const at = childPath(path, i);
    if (isOp(entry)) continue;
    if (!Array.isArray(entry) || entry.length === 0 || entry.length > 2) {
      c.problem(at, 'a bucket is [variant] or [variant, weight]', true);
      continue;
    }
    if (entry[0] !== null && typeof entry[0] === 'object' && !isOp(entry[0])) {
      c.problem(childPath(at, 0), 'a bucket variant is a string, number, boolean or null', true);
    }
    const weight = entry[1];
    if (entry.length === 2 && !isOp(weight)) {
      if (typeof weight !== 'number') c.problem(childPath(at, 1), 'the weight must be a number', true);
      else if (!Number.isInteger(weight)) c.problem(childPath(at, 1), 'the weight must be an integer', true);
      else total += Math.max(0, weight);
    } else if (entry.length === 1) total += 1;
  }
  if (total > 2147483647) c.problem(path, 'the weights add up to more than 2147483647', true);
};

const checkSemVer: Check = (c, raw, path) => {
  if (!Array.isArray(raw) || raw.length !== 3) {
    c.problem(path, 'sem_ver takes [version, operator, version]', true);
    return;
  }
  const operator = raw[1];
  if (typeof operator === 'string' && !SEMVER_OPERATORS.has(operator)) {
    c.problem(childPath(path, 1), `unknown sem_ver operator "${operator}" (use = != < <= > >= ^ ~)`, true);
  }
};

const checkPair =
  (name: string): Check =>
  (c, raw, path) => {
    if (!Array.isArray(raw) || raw.length !== 2) c.problem(path, `${name} takes [text, part]`, true);
  };

const CHECKS: Record<string, Check> = {
  fractional: checkFractional,
  sem_ver: checkSemVer,
  starts_with: checkPair('starts_with'),
  ends_with: checkPair('ends_with'),
};

export function validateOps(ops: Readonly<Record<string, OpSpec>>): Record<string, OpSpec> {
  const out: Record<string, OpSpec> = { ...ops };
  for (const [name, op] of Object.entries(ops)) {
    const check = CHECKS[name];
    if (check) {
      out[name] = {
        deterministic: op.deterministic,
        compile: (c, raw, path) => {
          check(c, raw, path);
          return op.compile(c, raw, path);
        },
      };
    }
  }
  return out;
}
