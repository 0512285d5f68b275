import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

export interface AgentOptions {
  maxSockets?: number;
  /** How long an idle keep-alive connection to an upstream stays open. */
  idleMs?: number;
}

/**
 * Keep-alive connection pools, one per upstream origin. When a configuration no longer names
 * an origin, its pool is drained: idle connections close now, busy ones close after the
 * request they carry (so in-flight requests finish where they started).
 */
export class AgentPool {
  private readonly agents = new Map<string, http.Agent>();
  private readonly options: AgentOptions;

  constructor(options: AgentOptions = {}) {
    this.options = options;
  }

  /** The pool of an upstream; `key` is its origin, or origin + TLS settings (`poolKey`). */
  get(key: string, tls?: { ca?: string; servername?: string }): http.Agent {
    let agent = this.agents.get(key);
    if (!agent) {
      const opts = {
        keepAlive: true,
        maxSockets: this.options.maxSockets ?? 256,
        maxFreeSockets: 64,
        // Below node's default server keep-alive timeout (5 s), so the router, not the
        // upstream, usually closes an idle connection (fewer keep-alive races).
        timeout: this.options.idleMs ?? 4_000,
        scheduling: 'lifo' as const,
      };
      agent = key.startsWith('https:') ? new https.Agent({ ...opts, ...tls }) : new http.Agent(opts);
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Keeps the pools of `origins`, drains the rest. */
  retain(origins: ReadonlySet<string>): void {
    for (const [origin, agent] of this.agents) {
      if (origins.has(origin)) continue;
      this.agents.delete(origin);
      drain(agent);
    }
  }

  origins(): string[] {
    return [...this.agents.keys()];
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

function drain(agent: http.Agent): void {
  // With keepAlive off, node's agent destroys each socket when its request completes.
  (agent as http.Agent & { keepAlive: boolean }).keepAlive = false;
  agent.keepSocketAlive = () => false;
  for (const sockets of Object.values(agent.freeSockets)) {
    for (const socket of (sockets ?? []) as Socket[]) socket.destroy();
  }
}
