import assert from 'node:assert/strict';
import type { UIMessage, UIMessageChunk } from 'ai';
import { type Cluster as RedisClusterClient, Redis } from 'ioredis';
import pg from 'pg';
import { createRedisKeys, type RedisKeys } from '../../src/registry/redis/redis-keys.ts';
import type { TerminalStatus } from '../../src/registry/stream-registry.ts';
import {
  type CheckedTurnStream,
  checkTurnStream,
  postCancel,
  textOfMessage,
} from '../races/race-support.ts';
import { type Cluster, type ClusterProcess, clusterServiceUrls } from '../support/cluster.ts';
import { clusterClient } from '../support/redis-cluster.ts';
import {
  chunksOf,
  parseSseId,
  readSse,
  type SseEvent,
  type SseReadResult,
  textOfChunks,
} from '../support/read-sse.ts';
import { waitFor } from '../support/wait-for.ts';

// Test support for the fault tests of the scale-out deployment: readers that note when things
// arrived, and a probe that looks at a turn in Redis and PostgreSQL from outside the processes.

/**
 * Every session `createSession` made in this test file. They have no owner (anonymous mode, no
 * visitor cookie), so the API never lists them; their ids are how the checks find them again.
 */
const createdSessionIds = new Set<string>();

export async function createSession(apiUrl: string): Promise<string> {
  const response = await fetch(`${apiUrl}/api/chat/sessions`, { method: 'POST' });
  assert.equal(response.status, 200, 'creating a session');
  const { id } = (await response.json()) as { id: string };
  createdSessionIds.add(id);
  return id;
}

/** One turn read through an API process while it runs. */
export interface TurnReader {
  /** Every data event so far, `[DONE]` included, in arrival order. */
  events: SseEvent[];
  /** When `[DONE]` arrived (Date.now()), or null while the stream is open. */
  doneAt: () => number | null;
  /** The text deltas received so far, concatenated. */
  text: () => string;
  /** The turn id of the `id:` lines (`turnId:position`), once a chunk arrived. */
  turnId: () => string | undefined;
  result: Promise<SseReadResult>;
}

/** POSTs a user message (the seed body, so the message id is the caller's) and reads the answer. */
export function postTurn(
  apiUrl: string,
  sessionId: string,
  message: string,
  messageId?: string,
): TurnReader {
  const events: SseEvent[] = [];
  let doneAt: number | null = null;
  const result = readSse(`${apiUrl}/api/chat/sessions/${sessionId}/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message, ...(messageId ? { message_id: messageId } : {}) }),
    onEvent: (event) => {
      events.push(event);
      if (event.data === '[DONE]') doneAt = Date.now();
    },
  });
  return {
    events,
    doneAt: () => doneAt,
    text: () => textOfChunks(chunksOf(events.filter((event) => event.data !== '[DONE]'))),
    turnId: () => parseSseId(events[0]?.id)?.turnId,
    result,
  };
}

/** Waits until the reader has received at least `count` text deltas. */
export async function waitForText(reader: TurnReader, count: number, timeoutMs = 20_000) {
  await waitFor(
    () => reader.events.filter((event) => event.data.includes('"text-delta"')).length >= count,
    { timeoutMs, intervalMs: 10, message: `${count} text deltas` },
  );
}

export interface SessionView {
  messages: UIMessage[];
  active_stream: { turn_id: string } | null;
}

export async function getSession(apiUrl: string, sessionId: string): Promise<SessionView> {
  const response = await fetch(`${apiUrl}/api/chat/sessions/${sessionId}`);
  assert.equal(response.status, 200, `GET session ${sessionId}`);
  return (await response.json()) as SessionView;
}

/**
 * Invariant 3 as a user sees it: within `timeoutMs`, no session this test file created is running
 * (a session another deployment of the file holds answers 404 here and is skipped).
 */
export async function waitUntilNoSessionActive(apiUrl: string, timeoutMs: number): Promise<void> {
  let last: string[] = [];
  await waitFor(
    async () => {
      const active: string[] = [];
      let found = 0;
      for (const id of createdSessionIds) {
        const response = await fetch(`${apiUrl}/api/chat/sessions/${id}`);
        if (response.status === 404) {
          await response.body?.cancel();
          continue;
        }
        if (response.status !== 200) return false;
        found += 1;
        const body = (await response.json()) as { active_stream: unknown };
        if (body.active_stream !== null) active.push(id);
      }
      last = active;
      return found > 0 && active.length === 0;
    },
    { timeoutMs, intervalMs: 100, message: `sessions still active: ${JSON.stringify(last)}` },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; still active: ${JSON.stringify(last)}`);
  });
}

/** Looks at the deployment's state on the real Redis and PostgreSQL, past any fault proxy. */
export class ClusterProbe {
  /**
   * `redisUrl`: the standalone Redis the cluster runs on, when it is not the shared one; a
   * deployment on a Redis Cluster of its own is probed through that cluster.
   */
  static async open(cluster: Cluster, redisUrl = clusterServiceUrls.redis): Promise<ClusterProbe> {
    const redis = cluster.redisCluster
      ? clusterClient(cluster.redisCluster)
      : new Redis(redisUrl, { lazyConnect: true });
    // A test that takes its Redis down must not get the client's reconnect errors as failures.
    redis.on('error', () => undefined);
    if (redis instanceof Redis) await redis.connect();
    const database = new pg.Client({ connectionString: cluster.databaseUrl });
    await database.connect();
    return new ClusterProbe(redis, database, createRedisKeys(cluster.keyPrefix));
  }

  readonly #redis: Redis | RedisClusterClient;
  readonly #database: pg.Client;
  readonly #keys: RedisKeys;

  private constructor(redis: Redis | RedisClusterClient, database: pg.Client, keys: RedisKeys) {
    this.#redis = redis;
    this.#database = database;
    this.#keys = keys;
  }

  /** The turn's hash in Redis (`status`, `leaseOwner`, …); empty when it does not exist. */
  registryTurn(turnId: string): Promise<Record<string, string>> {
    return this.#redis.hgetall(this.#keys.turnMeta(turnId));
  }

  /** The hashes of every turn in the registry's active index (running or closing turns). */
  async activeTurns(): Promise<Record<string, string>[]> {
    const buckets = Array.from({ length: this.#keys.bucketCount }, (_, bucket) => bucket);
    const indexes = await Promise.all(
      buckets.map((bucket) => this.#redis.hkeys(this.#keys.activeTurns(bucket))),
    );
    const turnIds = indexes.flat();
    return Promise.all(turnIds.map((turnId) => this.registryTurn(turnId)));
  }

  /** How many of the turn's keys (meta hash, chunk stream) Redis holds. */
  registryKeyCount(turnId: string): Promise<number> {
    return this.#redis.exists(this.#keys.turnMeta(turnId), this.#keys.turnStream(turnId));
  }

  /** The chunks the turn's log in Redis holds so far, in order: what every reader is served. */
  async registryChunks(turnId: string): Promise<UIMessageChunk[]> {
    const entries = await this.#redis.xrange(this.#keys.turnStream(turnId), '-', '+');
    // Fields alternate name, value; an entry holds one `c` per chunk, the opening marker none.
    return entries.flatMap(([, fields]) =>
      fields.flatMap((field, position) =>
        position % 2 === 0 && field === 'c'
          ? [JSON.parse(fields[position + 1] ?? 'null') as UIMessageChunk]
          : [],
      ),
    );
  }

  /** The status of every stored turn of the session, oldest first. */
  async storedTurnStatuses(sessionId: string): Promise<{ id: string; status: string }[]> {
    const { rows } = await this.#database.query<{ id: string; status: string }>(
      'SELECT id, status FROM turns WHERE session_id = $1 ORDER BY created_at, id',
      [sessionId],
    );
    return rows;
  }

  /** The session's follow-up rows, waiting or taken (`takenBy` null while waiting), in order. */
  async pendingMessageRows(sessionId: string): Promise<{ id: string; takenBy: string | null }[]> {
    const { rows } = await this.#database.query<{ id: string; taken_by_turn_id: string | null }>(
      'SELECT id, taken_by_turn_id FROM pending_messages WHERE session_id = $1 ORDER BY sequence',
      [sessionId],
    );
    return rows.map((row) => ({ id: row.id, takenBy: row.taken_by_turn_id }));
  }

  async storedTurn(turnId: string): Promise<{ status: string; error: string | null } | undefined> {
    const { rows } = await this.#database.query<{ status: string; error: string | null }>(
      'SELECT status, error FROM turns WHERE id = $1',
      [turnId],
    );
    return rows[0];
  }

  async storedTurnStatus(turnId: string): Promise<string | undefined> {
    return (await this.storedTurn(turnId))?.status;
  }

  /** The executor process whose lease holds the turn now (its id names its pid). */
  async leaseHolder(
    turnId: string,
    executors: readonly ClusterProcess[],
  ): Promise<ClusterProcess | undefined> {
    let owner: string | undefined;
    await waitFor(
      async () => {
        owner = (await this.registryTurn(turnId)).leaseOwner;
        return owner !== undefined;
      },
      { timeoutMs: 5_000, intervalMs: 20, message: `a lease on turn ${turnId}` },
    );
    return executors.find((executor) => ownedBy(owner, executor));
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
    await this.#database.end();
  }
}

/** A lease owner id is `<hostname>-<pid>-<random>` (see `create-runtime.ts`). */
function ownedBy(owner: string | undefined, executor: ClusterProcess): boolean {
  return owner !== undefined && new RegExp(`-${executor.child.pid}-[0-9a-f]{8}$`).test(owner);
}

/**
 * Asserts that an ended turn is settled the same way everywhere (invariants 2, 3, 5): the
 * reader's terminal chunk, the registry's status, the stored turn's status; GET session shows
 * no active stream and ends with the assistant message holding exactly the text the reader saw
 * (the reader read the whole log, which is what the message was folded from).
 */
export async function assertSettledEverywhere(
  probe: ClusterProbe,
  apiUrl: string,
  sessionId: string,
  stream: CheckedTurnStream,
  status: TerminalStatus,
): Promise<UIMessage> {
  assert.equal(stream.status, status, `terminal chunk of turn ${stream.turnId}`);
  assert.equal((await probe.registryTurn(stream.turnId)).status, status, 'registry status');
  assert.equal(await probe.storedTurnStatus(stream.turnId), status, 'stored turn status');
  const session = await getSession(apiUrl, sessionId);
  assert.equal(session.active_stream, null, 'the session still has an active stream');
  const last = session.messages.at(-1);
  assert.ok(last, 'the session has no messages');
  assert.equal(last.role, 'assistant', 'the last message is not the answer');
  assert.equal(last.id, stream.assistantMessageId, 'the answer is not the start.messageId');
  assert.equal(textOfMessage(last), stream.text, 'persisted text vs the text the reader saw');
  return last;
}

/** The `error.code` of a JSON error answer. */
export function errorCode(result: SseReadResult): string | undefined {
  return (result.body as { error?: { code?: string } } | undefined)?.error?.code;
}

/** Asserts every API and executor process of the cluster is still running. */
export function assertAllProcessesAlive(cluster: Cluster): void {
  for (const member of [...cluster.apis, ...cluster.executors]) {
    assert.deepEqual(
      [member.child.exitCode, member.child.signalCode],
      [null, null],
      `${member.role} ${member.port} exited:\n${member.output()}`,
    );
  }
}

/**
 * Starts one long turn on each executor (checked through the lease holders) and stops each
 * through POST …/cancel: every Stop reaches the executor that runs the turn, fast — without the
 * cancel broadcast the API would wait `cancelForceCloseMs` and end the turn itself.
 */
export async function assertStopReachesEveryExecutor(
  cluster: Cluster,
  probe: ClusterProbe,
  longText: string,
  cancelForceCloseMs: number,
): Promise<void> {
  const api = cluster.apis[0]?.url ?? '';
  const turns = await Promise.all(
    cluster.executors.map(async (_, index) => {
      const sessionId = await createSession(api);
      const reader = postTurn(api, sessionId, `${longText} ${index}`);
      await waitForText(reader, 20);
      return { sessionId, reader };
    }),
  );
  const holders = await Promise.all(
    turns.map(({ reader }) => probe.leaseHolder(reader.turnId() ?? '', cluster.executors)),
  );
  assert.equal(new Set(holders).size, cluster.executors.length, 'one turn on each executor');
  for (const { sessionId, reader } of turns) {
    const cancelAt = Date.now();
    const cancel = await postCancel(api, sessionId);
    const cancelMs = Date.now() - cancelAt;
    assert.deepEqual([cancel.status, cancel.body.cancelled], [200, true]);
    const stream = checkTurnStream(await reader.result, 'a stopped turn');
    assert.equal(stream.status, 'cancelled');
    assert.ok(
      cancelMs < cancelForceCloseMs / 2,
      `the cancel took ${cancelMs} ms (force-close after ${cancelForceCloseMs} ms)`,
    );
    await assertSettledEverywhere(probe, api, sessionId, stream, 'cancelled');
  }
  assert.doesNotMatch(cluster.apis[0]?.output() ?? '', /force-closing/);
}
