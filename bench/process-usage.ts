import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Linux reports process times in clock ticks; 100 per second on every common kernel. */
const clockTicksPerSecond = 100;

/** CPU time (user + system) a process has used so far, from `/proc/<pid>/stat`; 0 when gone. */
export function cpuSeconds(pid: number): Promise<number> {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/**
 * CPU time of a process's main thread (its JavaScript event loop, for Node) so far; the rest of
 * the process's time is its other threads (a worker thread, garbage collection, compilation).
 */
export function mainThreadCpuSeconds(pid: number): Promise<number> {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

async function statCpuSeconds(path: string): Promise<number> {
  try {
    const stat = await readFile(path, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
  } catch {
    return 0;
  }
}

/**
 * The owner (pid) of every established TCP connection to 127.0.0.1:`port`, by its local address
 * (`127.0.0.1:<port>`, as Redis names its clients), from `ss -tnp`: the kernel's view.
 */
export async function connectionOwners(port: number): Promise<Map<string, number>> {
  const owners = new Map<string, number>();
  const { stdout } = await run('ss', ['-tnpH', 'state', 'established', `dport = :${port}`]);
  for (const line of stdout.split('\n')) {
    const [, , local] = line.trim().split(/\s+/);
    const pid = /pid=(\d+)/.exec(line)?.[1];
    if (local && pid) owners.set(local, Number(pid));
  }
  return owners;
}

/** CPU time all cores spent busy (not idle, not waiting for I/O) since boot, from `/proc/stat`. */
export async function machineBusySeconds(): Promise<number> {
  const first = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/).map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>(
    (sum, value) => sum + (value ?? 0),
    0,
  );
  return busy / clockTicksPerSecond;
}
