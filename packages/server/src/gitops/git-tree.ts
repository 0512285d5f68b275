/** The manifest files of one commit, read from a git directory with isomorphic-git. */
import fs from 'node:fs';
import git from 'isomorphic-git';
import type { HeadCommit, RepositoryFile } from './git-reader.js';

const MANIFEST = /\.(ya?ml|json)$/i;
/** Bounds what one commit may hold, so a huge repository cannot exhaust the control plane. */
const MAX_FILES = 2000;
const MAX_BYTES = 20 * 1024 * 1024;

export async function commitInfo(gitdir: string, commit: string): Promise<HeadCommit> {
  const { commit: c } = await git.readCommit({ fs, gitdir, oid: commit });
  return { commit, committedAt: new Date(c.committer.timestamp * 1000).toISOString() };
}

export async function manifestFiles(
  gitdir: string,
  commit: string,
  folder: string,
): Promise<RepositoryFile[]> {
  const out: RepositoryFile[] = [];
  let bytes = 0;
  const root = folder.replace(/^\/+|\/+$/g, '');
  const walk = async (path: string) => {
    const { tree } = await git.readTree({ fs, gitdir, oid: commit, ...(path ? { filepath: path } : {}) });
    for (const entry of tree) {
      const full = path ? `${path}/${entry.path}` : entry.path;
      if (entry.path.startsWith('.')) continue;
      if (entry.type === 'tree') await walk(full);
      else if (entry.type === 'blob' && MANIFEST.test(entry.path)) {
        const { blob } = await git.readBlob({ fs, gitdir, oid: entry.oid });
        bytes += blob.byteLength;
        if (out.length >= MAX_FILES || bytes > MAX_BYTES)
          throw new Error(`the commit holds more than ${MAX_FILES} manifest files or ${MAX_BYTES} bytes`);
        out.push({ path: full, text: Buffer.from(blob).toString('utf8') });
      }
    }
  };
  try {
    await walk(root);
  } catch (error) {
    if ((error as { code?: string }).code === 'NotFoundError')
      throw new Error(`folder "${root}" does not exist at commit ${commit.slice(0, 12)}`);
    throw error;
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
