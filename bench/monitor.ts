// Memory and CPU of the processes under test, read from /proc while a phase runs.
import { execFileSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";

export interface Watched {
  name: string;
  pid: number;
}

export interface PhaseUsage {
  /** Largest resident set seen during the phase, MB, per watched process. */
  peakRssMb: Record<string, number>;
  /** CPU time used during the phase divided by its length: 1.0 = one core busy all the time. */
  cpuCores: Record<string, number>;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

// Shared servers: their CPU is summed over every process of that name (all databases, all clients).
const SERVER_COMMANDS: Record<string, string> = { postgres: "postgres", redis: "redis-server" };

export async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
}

/** The process's own peak resident set since it started (VmHWM), MB. */
export async function lifetimePeakMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
}

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

/** Busy and total jiffies of the whole machine (all CPUs), from the first line of /proc/stat. */
async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile("/proc/stat", "utf8").catch(() => "")).split("\n")[0] ?? "";
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

async function pidsNamed(command: string): Promise<number[]> {
  const entries = await readdir("/proc").catch(() => [] as string[]);
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = await readFile(`/proc/${entry}/comm`, "utf8").catch(() => "");
    if (comm.trim() === command) pids.push(Number(entry));
  }
  return pids;
}

async function serverTicks(command: string): Promise<Map<number, number>> {
  const ticks = new Map<number, number>();
  for (const pid of await pidsNamed(command)) ticks.set(pid, await cpuTicks(pid));
  return ticks;
}

/** CPU used since `before` by the processes alive now (a process started since counts from zero). */
function ticksSince(before: Map<number, number>, now: Map<number, number>): number {
  let total = 0;
  for (const [pid, ticks] of now) total += ticks - (before.get(pid) ?? 0);
  return total;
}

export class Monitor {
  private timer: NodeJS.Timeout | undefined;
  private peaks = new Map<string, number>();
  private startTicks = new Map<string, number>();
  private startedAt = 0;
  private sampling: Promise<void> = Promise.resolve();
  private startMachine = { busy: 0, total: 0 };
  private startServers = new Map<string, Map<number, number>>();

  constructor(
    private readonly watched: Watched[],
    private readonly intervalMs = 100,
  ) {}

  async start(): Promise<void> {
    this.peaks = new Map(this.watched.map((target) => [target.name, 0]));
    this.startTicks = new Map();
    for (const target of this.watched) this.startTicks.set(target.name, await cpuTicks(target.pid));
    for (const [name, command] of Object.entries(SERVER_COMMANDS)) this.startServers.set(name, await serverTicks(command));
    this.startTicks.set("bench", benchTicks());
    this.startMachine = await machineTicks();
    this.startedAt = Date.now();
    await this.sample();
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample());
    }, this.intervalMs);
  }

  async stop(): Promise<PhaseUsage> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    const seconds = Math.max(0.001, (Date.now() - this.startedAt) / 1000);
    const cores = (ticks: number) => ticks / CLOCK_TICKS / seconds;
    const cpuCores: Record<string, number> = {};
    for (const target of this.watched)
      cpuCores[target.name] = cores((await cpuTicks(target.pid)) - (this.startTicks.get(target.name) ?? 0));
    for (const [name, command] of Object.entries(SERVER_COMMANDS))
      cpuCores[name] = cores(ticksSince(this.startServers.get(name) ?? new Map(), await serverTicks(command)));
    cpuCores.bench = cores(benchTicks() - (this.startTicks.get("bench") ?? 0));
    // Everything the machine did, ours and anyone else's: shows when other work competed for the CPUs.
    const machine = await machineTicks();
    cpuCores.machine = cores(machine.busy - this.startMachine.busy);
    const peakRssMb: Record<string, number> = {};
    for (const [name, kb] of this.peaks) peakRssMb[name] = kb / 1024;
    return { peakRssMb, cpuCores };
  }

  private async sample(): Promise<void> {
    for (const target of this.watched) {
      const kb = await rssKb(target.pid);
      if (kb > (this.peaks.get(target.name) ?? 0)) this.peaks.set(target.name, kb);
    }
  }
}

/** The bench process itself (load generator and direct loops), in clock ticks. */
function benchTicks(): number {
  const usage = process.cpuUsage();
  return ((usage.user + usage.system) / 1e6) * CLOCK_TICKS;
}
