/**
 * Comparing results with reference values at the tolerances the engine promises:
 * 1e-9 relative on arithmetic, 1e-6 relative on p-values and quantile-based intervals.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export const ARITHMETIC = 1e-9;
export const PROBABILITY = 1e-6;

/** |actual − expected| ≤ tol·max(|expected|, scale); scale keeps values near 0 meaningful. */
export function expectClose(
  actual: unknown,
  expected: number | null,
  tol: number,
  label: string,
  scale = 0,
): void {
  if (expected === null) {
    expect(actual, label).toBeNull();
    return;
  }
  expect(typeof actual, label).toBe('number');
  const a = actual as number;
  const bound = tol * Math.max(Math.abs(expected), scale, Number.MIN_VALUE);
  if (!(Math.abs(a - expected) <= bound)) {
    expect.fail(`${label}: ${a} differs from ${expected} by ${Math.abs(a - expected)} (allowed ${bound})`);
  }
}

/** An interval, each end within tol of the reference relative to the interval's half-width. */
export function expectInterval(
  actual: unknown,
  expected: [number, number] | null,
  tol: number,
  label: string,
) {
  if (expected === null) {
    expect(actual, label).toBeNull();
    return;
  }
  expect(Array.isArray(actual), label).toBe(true);
  const [lo, hi] = actual as [number, number];
  const half = (expected[1] - expected[0]) / 2;
  expectClose(lo, expected[0], tol, `${label}[0]`, half);
  expectClose(hi, expected[1], tol, `${label}[1]`, half);
}

/** Fails on any NaN or infinite number anywhere in a result. */
export function expectAllFinite(value: unknown, label = 'result'): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) expect.fail(`${label} is ${value}`);
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) expectAllFinite(v, `${label}[${i}]`);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) expectAllFinite(v, `${label}.${k}`);
  }
}

/** One reference case: JSON written by reference/make-vectors.py. */
export type Vector = { input: any; expected: any };

/** The reference vectors written by reference/make-vectors.py (scipy, statsmodels, mpmath, R). */
export const vectors: Record<string, any> = JSON.parse(
  readFileSync(new URL('../reference/vectors.json', import.meta.url), 'utf8'),
);
