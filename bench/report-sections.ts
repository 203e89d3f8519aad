import {
  type BenchResults,
  type LevelMeasurement,
  type LevelResults,
  type SystemName,
  systemLabels,
} from './bench-results.ts';
import { benchmarkClient, commandTotals, describeCpu, format } from './bench-targets.ts';
import { sumCounts } from './redis-command-stats.ts';

const systemNames: SystemName[] = ['baseline', 'embedded', 'distributed', 'cluster'];

/** The systems a level measured, in table order. */
export function measuredSystems(level: LevelResults): [SystemName, LevelMeasurement][] {
  return systemNames.flatMap((name) => {
    const measured = level.systems[name];
    return measured ? [[name, measured] as [SystemName, LevelMeasurement]] : [];
  });
}

/** A Markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function latencyTable(level: LevelResults, title: string): string {
  const base = level.systems.baseline;
  const rows = measuredSystems(level).map(([name, measured]) => {
    const isBase = name === 'baseline';
    return [
      systemLabels[name],
      format.count(measured.total.count),
      format.ms(measured.firstByte.p50),
      format.ms(measured.firstByte.p99),
      format.ms(measured.total.p50),
      format.ms(measured.total.p99),
      isBase ? '—' : format.signedMs(measured.total.p50 - base.total.p50),
      isBase ? '—' : format.signedMs(measured.total.p99 - base.total.p99),
      isBase ? '—' : format.ratio(measured.total.p99 / base.total.p99),
      String(measured.failures),
    ];
  });
  const header = [
    'System',
    'Turns',
    'First byte p50',
    'First byte p99',
    'Turn p50',
    'Turn p99',
    'Overhead p50',
    'Overhead p99',
    'Turn p99 ÷ baseline',
    'Failed',
  ];
  return `### ${title}\n\n${table(header, rows)}`;
}

const turns = (concurrency: number) =>
  `${concurrency} concurrent turn${concurrency === 1 ? '' : 's'}`;

export function latencySection(results: BenchResults): string {
  const tables = results.levels.map((level) => latencyTable(level, turns(level.level.concurrency)));
  for (const level of results.paced?.levels ?? []) {
    tables.push(
      latencyTable(
        level,
        `${turns(level.level.concurrency)} at ${results.paced?.tokenDelayMs} ms per token (fresh servers)`,
      ),
    );
  }
  return `## Time to first byte and per-turn overhead\n\n${tables.join('\n\n')}`;
}

export function throughputSection(results: BenchResults): string {
  const levels = results.levels.map((level) => ({
    label: String(level.level.concurrency),
    level,
  }));
  for (const level of results.paced?.levels ?? []) {
    const label = `${level.level.concurrency} at ${results.paced?.tokenDelayMs} ms/token`;
    levels.push({ label, level });
  }
  const rows = levels.flatMap(({ label, level }) =>
    measuredSystems(level).map(([name, measured]) => {
      return [
        label,
        systemLabels[name],
        format.rate(measured.wordsPerSecond),
        name === 'baseline'
          ? '—'
          : format.ratio(measured.wordsPerSecond / level.systems.baseline.wordsPerSecond),
        format.rate(measured.eventsPerSecond),
        describeCpu(measured),
      ];
    }),
  );
  const header = [
    'Concurrent turns',
    'System',
    'Tokens/s',
    '× baseline',
    'SSE events/s',
    'CPU (share of one core)',
  ];
  return `## Delivered tokens per second

${table(header, rows)}

SSE events/s are lower than tokens/s where the executor coalesces consecutive text deltas (distributed: \`COALESCE_WINDOW_MS=${results.coalesceWindowMs}\`, the default; embedded: the tokens that arrive in one turn of the event loop): fewer, larger events carry the same tokens. *Rest of machine* is everything else the box did meanwhile (PostgreSQL, RabbitMQ, other people's test runs).`;
}

export function resumeSection(results: BenchResults): string {
  const single = results.levels.find((level) => level.level.concurrency === 1);
  const baseFirstByte = single?.systems.baseline.firstByte.p50;
  const rows = (['embedded', 'distributed', 'cluster'] as const).flatMap((name) => {
    const resume = results.resume[name];
    if (!resume) return [];
    return [
      [
        systemLabels[name],
        format.count(resume.positions),
        format.ms(resume.firstByte.p50),
        format.ms(resume.firstByte.p99),
        format.ratio(baseFirstByte === undefined ? null : resume.firstByte.p50 / baseFirstByte),
        format.ms(resume.catchUp.p50),
        format.ms(resume.catchUp.p99),
        format.count(resume.firstByte.count),
        resume.complete ? 'yes' : '**no**',
      ],
    ];
  });
  const header = [
    'System',
    'Positions in the log',
    'First byte p50',
    'First byte p99',
    '× baseline first byte',
    'Catch-up p50',
    'Catch-up p99',
    'Resumes',
    'All words exactly once',
  ];
  return `## Resume latency (${format.count(results.plan.resume.halfWords)} tokens in the log)

${table(header, rows)}

The baseline cannot resume; its first byte of a new stream at 1 concurrent turn (${baseFirstByte === undefined ? '—' : format.ms(baseFirstByte)} p50) is the reference. The distributed log holds fewer positions for the same tokens because the executor coalesces deltas.`;
}

export function redisSection(results: BenchResults): string {
  const totals = commandTotals(results);
  const perToken = (count: number, words: number) => (words > 0 ? (count / words).toFixed(3) : '—');
  const rows = results.redisPhases.map((phase) => {
    const counts = new Map(Object.entries(phase.commands));
    const sent = Object.entries(phase.sent ?? {}).filter(([name]) => name !== benchmarkClient);
    const sentTotal = sent.reduce((sum, [, calls]) => sum + calls, 0);
    const top = [...counts.entries()]
      .sort((left, right) => right[1] - left[1])
      .slice(0, 4)
      .map(([name, calls]) => `${name} ${format.count(calls)}`)
      .join(', ');
    return [
      systemLabels[phase.deployment],
      phase.counted
        ? phase.label
        : phase.tokenDelayMs !== results.plan.demo.tokenDelayMs
          ? `${phase.label} (targets of their own)`
          : `${phase.label} (not counted)`,
      format.count(phase.words),
      perToken(sumCounts(counts), phase.words),
      perToken(counts.get('evalsha') ?? 0, phase.words),
      phase.sent ? perToken(sentTotal, phase.words) : '—',
      phase.sent ? sent.map(([name, calls]) => `${name} ${format.count(calls)}`).join(', ') : '—',
      phase.insideScripts === undefined ? '—' : perToken(phase.insideScripts, phase.words),
      top,
    ];
  });
  rows.push(
    [
      systemLabels.distributed,
      `**measured runs at ${results.plan.demo.tokenDelayMs} ms per token, counted**`,
      format.count(totals.words),
      perToken(totals.commands, totals.words),
      perToken(totals.scripts, totals.words),
      '—',
      '',
      '—',
      '',
    ],
    [
      systemLabels.distributed,
      '**accounting runs**',
      format.count(totals.accountedWords),
      '—',
      '—',
      perToken(totals.sent, totals.accountedWords),
      '',
      '—',
      '',
    ],
  );
  const header = [
    'Deployment',
    'Runs',
    'Tokens',
    'All commands/token (commandstats)',
    'EVALSHA/token',
    'Sent/token (MONITOR)',
    'Sent by',
    'Inside Lua/token (MONITOR)',
    'Most frequent (commandstats)',
  ];
  return `## Redis commands per token (distributed)

${table(header, rows)}

*All commands* is everything Redis executed (on a cluster: summed over its masters), including each command a Lua script runs. *Sent* is what the processes sent over their connections: one per command, a script call counting one. The sent figures come from the accounting runs, which repeat each 1 ms level briefly on the standalone deployment with MONITOR on (MONITOR costs Redis CPU, so it is off while latency is measured). Counted in the 1 ms targets: the standalone runs at 1 ms per token; the resume run (it reads one turn over and over) is in no target, and the runs at ${results.paced?.tokenDelayMs ?? '—'} ms per token have targets of their own.`;
}

export function idleSection(results: BenchResults): string {
  const rows = results.idle.map((idle) => [
    format.count(idle.subscribers),
    format.kilobytes(idle.heapBytesPerSubscriber),
    String(idle.redisConnections),
    String(idle.registryConnections),
    format.ms(idle.subscribeMs),
  ]);
  const header = [
    'Idle subscribers',
    'Heap per subscriber',
    'Redis connections (CLIENT LIST)',
    'Registry reports',
    'All parked after',
  ];
  const deployment = Object.entries(results.deploymentRedisConnections)
    .map(([name, count]) => `${name} process ${count}`)
    .join(', ');
  return `## Idle subscribers

${table(header, rows)}

The baseline has no subscribers to compare with; a design with one blocking \`XREAD\` connection per subscriber would hold 1,000 and 10,000 connections here. Most Redis connections seen per distributed process after each run above (\`ss\`): ${deployment || '—'}.`;
}
