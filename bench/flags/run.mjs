// `npm run bench flags`: the flag engine benchmark (see engine.bench.mjs).
import './engine.bench.mjs';
