/** Reads a branch of a git repository: its head commit and the manifest files under a folder. */

export interface HeadCommit {
  commit: string;
  /** The committer's time, ISO. */
  committedAt: string;
}

export interface RepositoryFile {
  /** Path inside the repository. */
  path: string;
  text: string;
}

export interface GitReader {
  /** Fetches when remote, then the branch's head. */
  head(): Promise<HeadCommit>;
  /** The .yaml, .yml and .json files under `folder` at `commit`, by path. */
  files(commit: string, folder: string): Promise<RepositoryFile[]>;
}
