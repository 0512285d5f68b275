export { LogHistogram, LogScale } from './log-scale.js';
