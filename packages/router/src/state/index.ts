export { type LoadResult, SNAPSHOT_FILE, SnapshotStore, writeFileAtomic } from './store.js';
