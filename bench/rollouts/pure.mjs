// The baseline of bench/rollouts: the same N canary runs driven through the pure state machine
// (startRun/transition) in memory — no database, no timers: commands are answered from the same
// script and timers fire at once on a virtual clock. Its events/s is the ceiling the durable
// runtime is compared with. Prints one JSON line. Usage: node bench/rollouts/pure.mjs N interval_s
import { startRun, transition } from '@sluice/core/rollouts';
import { canaryPlan, outcomeOf } from './plan.mjs';

const n = Number(process.argv[2] ?? 1000);
const intervalSeconds = Number(process.argv[3] ?? 1);
const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'aborted']);

function drive(i) {
  let now = 1_800_000_000_000;
  let result = startRun(canaryPlan(i, intervalSeconds), { runId: `pure-${i}`, startedBy: 'bench' }, now);
  let events = 1;
  let statusChanges = result.transitions.length;
  const queue = []; // {at, event}, earliest first; command results 1 ms after they were asked for
  for (;;) {
    for (const command of result.commands) {
      if (command.kind === 'schedule_timer')
        queue.push({ at: command.dueAt, event: { type: 'timer_fired', timerId: command.timerId } });
      else if (command.kind !== 'cancel_timer' && command.kind !== 'notify') {
        const outcome = outcomeOf(command);
        const event = {
          type: 'command_result',
          opId: command.opId,
          ok: outcome.ok,
          data: outcome.data ?? {},
        };
        queue.push({ at: now + 1, event });
      }
    }
    if (TERMINAL.has(result.state.status) || !queue.length) break;
    queue.sort((a, b) => a.at - b.at);
    const next = queue.shift();
    now = Math.max(now, next.at);
    result = transition(result.state, next.event, now);
    events += 1;
    statusChanges += result.transitions.length;
  }
  return { status: result.state.status, events, statusChanges };
}

const t0 = performance.now();
const cpu0 = process.cpuUsage();
let events = 0;
let statusChanges = 0;
const outcomes = {};
for (let i = 0; i < n; i++) {
  const r = drive(i);
  events += r.events;
  statusChanges += r.statusChanges;
  outcomes[r.status] = (outcomes[r.status] ?? 0) + 1;
}
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({ dialect: 'none', runs: n, ended: n, outcomes, wallMs, events, statusChanges, peakRss: process.memoryUsage().rss, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
);
