import type { LoadJob, LoadReport } from './load-job.ts';
import { runResume } from './resume-probe.ts';
import { agent } from './stream-client.ts';
import { runTurns } from './turn-load.ts';

/**
 * The load generator, in its own process so its CPU use is not counted against the servers'
 * event loops: `node bench/load-generator.ts '<LoadJob as JSON>'`. Talks HTTP to 127.0.0.1 only,
 * prints one `LoadReport` JSON line, and exits by itself — at the latest after `timeLimitMs`.
 */
async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as LoadJob;
  const url = new URL(job.target.baseUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`only 127.0.0.1 is allowed, not ${url.host}`);
  const limit = setTimeout(() => {
    process.stderr.write(`load generator: time limit of ${job.timeLimitMs} ms reached\n`);
    process.exit(2);
  }, job.timeLimitMs);
  limit.unref();
  const result = job.type === 'turns' ? await runTurns(job) : await runResume(job);
  const { user, system } = process.cpuUsage();
  const report: LoadReport = { result, generatorCpuSeconds: (user + system) / 1e6 };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  agent.destroy();
  clearTimeout(limit);
}

main().catch((error: unknown) => {
  process.stderr.write(`load generator failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
