/**
 * Real git repositories for GitOps tests: a bare "origin", a working clone to commit and push
 * from (the `git` binary, with fixed arguments), and `git http-backend` served over HTTP on
 * 127.0.0.1 (port 0) as a CGI, so the http transport is tested against git's own server.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: tmpdir(),
};

export interface TestRepository {
  root: string;
  /** The bare repository (what a GitSource points at). */
  bare: string;
  /** Writes files in the working clone (path → text; null deletes), commits and pushes; the new commit. */
  commit(files: Record<string, string | null>, message: string, options?: { force?: boolean }): string;
  /** Moves the branch back `n` commits in the clone (for a force-push that rewrites history). */
  rewind(n: number): void;
  git(...args: string[]): string;
  remove(): void;
}

export function createTestRepository(branch = 'main'): TestRepository {
  const root = mkdtempSync(join(tmpdir(), 'sluice-git-'));
  const bare = join(root, 'origin.git');
  const work = join(root, 'work');
  const run = (cwd: string, args: string[]) =>
    execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' }).trim();
  run(root, ['init', '--quiet', '--bare', `--initial-branch=${branch}`, bare]);
  run(root, ['init', '--quiet', `--initial-branch=${branch}`, work]);
  run(work, ['remote', 'add', 'origin', bare]);
  return {
    root,
    bare,
    commit(files, message, options = {}) {
      for (const [path, text] of Object.entries(files)) {
        const full = join(work, path);
        if (text === null) rmSync(full, { force: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, text);
        }
      }
      run(work, ['add', '--all']);
      run(work, ['commit', '--quiet', '--allow-empty', '-m', message]);
      run(work, ['push', '--quiet', ...(options.force ? ['--force'] : []), 'origin', branch]);
      return run(work, ['rev-parse', 'HEAD']);
    },
    rewind(n) {
      run(work, ['reset', '--quiet', '--hard', `HEAD~${n}`]);
    },
    git: (...args) => run(work, args),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** `git http-backend` over HTTP: repositories under `projectRoot` at `http://127.0.0.1:<port>/<name>`. */
export async function startGitHttpServer(
  projectRoot: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        ...GIT_ENV,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-encoding']
          ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) }
          : {}),
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headerDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headerDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headerDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => res.end());
    cgi.on('error', () => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
