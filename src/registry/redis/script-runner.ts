import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Cluster } from 'ioredis';
import type { RedisConnection } from './redis-connections.ts';

/** One Lua file of `./lua/`, named `<name>-<keyCount>.lua` (bullmq's convention). */
export interface LuaScript {
  name: string;
  keyCount: number;
  source: string;
  sha: string;
}

export function readLuaScript(fileName: string): LuaScript {
  const match = /^([a-z-]+)-(\d+)\.lua$/.exec(fileName);
  if (!match?.[1] || !match[2]) throw new Error(`${fileName} is not named <name>-<keyCount>.lua`);
  const source = readFileSync(new URL(`./lua/${fileName}`, import.meta.url), 'utf8');
  return {
    name: match[1],
    keyCount: Number(match[2]),
    source,
    sha: createHash('sha1').update(source).digest('hex'),
  };
}

/**
 * Runs Lua scripts by SHA. Each script is sent once with SCRIPT LOAD (to every master of a cluster)
 * and then only called with EVALSHA; a server that lost its script cache (a restart, SCRIPT FLUSH,
 * a promoted replica) gets it loaded again once, however many calls hit NOSCRIPT at the same time.
 */
export class ScriptRunner {
  readonly #client: RedisConnection;
  readonly #loading = new Map<string, Promise<void>>();
  #loads = 0;
  #calls = 0;

  constructor(client: RedisConnection) {
    this.#client = client;
  }

  async load(scripts: readonly LuaScript[]): Promise<void> {
    await Promise.all(scripts.map((script) => this.#load(script)));
  }

  async run(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    if (keys.length !== script.keyCount) {
      throw new Error(`${script.name} takes ${script.keyCount} keys, got ${keys.length}`);
    }
    this.#calls += 1;
    try {
      return await this.#client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      await this.#load(script);
      return this.#client.evalsha(script.sha, keys.length, ...keys, ...args);
    }
  }

  /** SCRIPT LOAD commands sent and script calls made, since this runner was created. */
  stats(): { loads: number; calls: number } {
    return { loads: this.#loads, calls: this.#calls };
  }

  #load(script: LuaScript): Promise<void> {
    const pending = this.#loading.get(script.sha);
    if (pending) return pending;
    const loading = (async () => {
      this.#loads += 1;
      // Each node of a cluster has its own script cache, and a script runs where its keys live.
      const nodes = this.#client instanceof Cluster ? this.#client.nodes('master') : [this.#client];
      for (const sha of await Promise.all(
        nodes.map((node) => node.script('LOAD', script.source)),
      )) {
        if (sha !== script.sha) throw new Error(`${script.name} loaded as ${String(sha)}`);
      }
    })().finally(() => this.#loading.delete(script.sha));
    this.#loading.set(script.sha, loading);
    return loading;
  }
}
