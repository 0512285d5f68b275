/**
 * A repository over http(s) (smart HTTP: any git host, or `git http-backend`): fetched into a
 * bare copy under the data directory, one branch, shallow, so a force-push is simply the new
 * head. Credentials come from a secret and go only to that URL.
 */
import fs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import type { GitReader } from './git-reader.js';
import { commitInfo, manifestFiles } from './git-tree.js';

export interface HttpReaderOptions {
  url: string;
  branch: string;
  /** Where the bare copy lives (one folder per source). */
  cacheDir: string;
  auth?: (() => { username: string; password: string }) | undefined;
}

export function httpGitReader(options: HttpReaderOptions): GitReader {
  const gitdir = join(options.cacheDir, 'repo.git');
  return {
    async head() {
      fs.mkdirSync(gitdir, { recursive: true });
      await git.init({ fs, gitdir, bare: true, defaultBranch: options.branch });
      await git.addRemote({ fs, gitdir, remote: 'origin', url: options.url, force: true });
      const fetched = await git.fetch({
        fs,
        http,
        gitdir,
        remote: 'origin',
        ref: options.branch,
        singleBranch: true,
        depth: 1,
        tags: false,
        ...(options.auth ? { onAuth: options.auth } : {}),
      });
      if (!fetched.fetchHead) throw new Error(`branch ${options.branch} does not exist at ${options.url}`);
      return commitInfo(gitdir, fetched.fetchHead);
    },
    files: (commit, folder) => manifestFiles(gitdir, commit, folder),
  };
}
