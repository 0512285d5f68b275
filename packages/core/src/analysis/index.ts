/** Analysis: judging metric readings against a plan's thresholds (pass, fail, inconclusive). */
export * from './assess.js';
export * from './compare.js';
export * from './limits.js';
export * from './policy.js';
export * from './thresholds.js';
export * from './units.js';
