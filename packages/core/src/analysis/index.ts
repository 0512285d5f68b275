/** Analysis: judging metric readings against a plan's thresholds (pass, fail, inconclusive). */
export * from './assess.js';
export * from './units.js';
