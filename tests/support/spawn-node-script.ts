import { type ChildProcess, spawn } from 'node:child_process';

export interface SpawnedScript {
  child: ChildProcess;
  /** Everything the process printed so far, stdout and stderr interleaved. */
  output: () => string;
}

/** Runs a TypeScript entry point on this Node, with `environment` over this process's. */
export function spawnNodeScript(path: string, environment: Record<string, string>): SpawnedScript {
  const child = spawn(process.execPath, [path], {
    env: { ...process.env, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (data: Buffer) => {
    output += data.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { child, output: () => output };
}
