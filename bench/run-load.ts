import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { BenchSystem } from './bench-systems.ts';
import type { LoadJob, LoadReport, LoadResult } from './load-job.ts';

const generatorScript = join(import.meta.dirname, 'load-generator.ts');
/** Beyond the job's own limit: start-up and the last response. */
const killGraceMs = 15_000;

/** The server processes of a system by name → pid, for the generator's CPU meter. */
export function serverPids(system: BenchSystem): Record<string, number> {
  return Object.fromEntries(
    system.processes.map((service) => [service.name, service.child.pid ?? 0]),
  );
}

/** Runs one job in a fresh load-generator process (killed if it outlives its own time limit). */
export function runLoad<Result extends LoadResult>(
  system: BenchSystem,
  job: LoadJob,
): Promise<LoadReport<Result>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [generatorScript, JSON.stringify(job)],
      { timeout: job.timeLimitMs + killGraceMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20 },
      (error, output, errors) => {
        if (error) {
          reject(new Error(`load generator (${system.name}): ${error.message}\n${errors}`));
          return;
        }
        resolve(JSON.parse(output.trim().split('\n').at(-1) ?? '') as LoadReport<Result>);
      },
    );
  });
}
