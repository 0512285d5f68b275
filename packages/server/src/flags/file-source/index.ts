export * from './flags-file-loader.js';
export * from './locate.js';
