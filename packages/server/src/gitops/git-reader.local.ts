/**
 * A repository on this host (`file:///srv/git/app.git`, `/srv/git/app.git`, or a working copy's
 * folder): read in place, nothing copied. Only an admin may point a GitSource here.
 */

/**
 * A repository on this host (`file:///srv/git/app.git`, `/srv/git/app.git`, or a working copy's
 * folder): read in place, nothing copied. Only an admin may point a GitSource here.
 */
import fs, { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import git from 'isomorphic-git';
import type { GitReader } from './git-reader.js';
import { commitInfo, manifestFiles } from './git-tree.js';

export function localGitReader(url: string, branch: string): GitReader {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const gitdir = existsSync(join(path, '.git')) ? join(path, '.git') : path;
  return {
    async head() {
      const commit = await git.resolveRef({ fs, gitdir, ref: `refs/heads/${branch}` });
      return commitInfo(gitdir, commit);
    },
    files: (commit, folder) => manifestFiles(gitdir, commit, folder),
  };
}
