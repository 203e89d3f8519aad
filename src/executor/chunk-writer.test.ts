import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setImmediate, setTimeout } from 'node:timers/promises';
import type { UIMessageChunk } from 'ai';
import { MemoryStreamRegistry } from '../registry/memory-stream-registry.ts';
import type { StreamRegistry } from '../registry/stream-registry.ts';
import { foldAssistantMessage } from '../turn/fold-assistant-message.ts';
import { ChunkWriter } from './chunk-writer.ts';

/** A registry that counts appends — what a networked registry pays per command. */
function countingRegistry(inner: StreamRegistry): {
  registry: StreamRegistry;
  appends: () => number;
} {
  let appends = 0;
  const registry = Object.create(inner) as StreamRegistry;
  registry.append = (turnId, chunks) => {
    appends += 1;
    return inner.append(turnId, chunks);
  };
  return { registry, appends: () => appends };
}

/** A registry whose appends wait until `open` is called: an append stays in flight meanwhile. */
function gatedRegistry(inner: StreamRegistry): { registry: StreamRegistry; open: () => void } {
  const gate = Promise.withResolvers<void>();
  const registry = Object.create(inner) as StreamRegistry;
  registry.append = async (turnId, chunks) => {
    await gate.promise;
    return inner.append(turnId, chunks);
  };
  return { registry, open: () => gate.resolve() };
}

/** A registry whose appends fail, as an unreachable one's do. */
function failingRegistry(inner: StreamRegistry): StreamRegistry {
  const registry = Object.create(inner) as StreamRegistry;
  registry.append = async () => {
    throw new Error('registry down');
  };
  return registry;
}

const answerChunks = (words: number): UIMessageChunk[] => [
  { type: 'start', messageId: 'm' },
  { type: 'text-start', id: 't' },
  ...Array.from({ length: words }, (_, index) => ({
    type: 'text-delta' as const,
    id: 't',
    delta: `word${index} `,
  })),
  { type: 'text-end', id: 't' },
  { type: 'finish' },
];

describe('ChunkWriter', () => {
  let memory: MemoryStreamRegistry;
  let turnId: string;
  beforeEach(async () => {
    memory = new MemoryStreamRegistry({ finishedTurnTtlMs: 60_000 });
    turnId = randomUUID();
    await memory.openTurn({
      turnId,
      sessionId: randomUUID(),
      userId: null,
      userMessageId: 'u',
      assistantMessageId: 'm',
    });
  });
  afterEach(() => memory.close());

  it('without a window writes each chunk at once when no append is in flight, in order', async () => {
    const { registry, appends } = countingRegistry(memory);
    const writer = new ChunkWriter(registry, turnId, 0);
    const chunks = answerChunks(50);
    for (const chunk of chunks) {
      writer.push(chunk);
      await setImmediate();
    }
    await writer.flush();
    assert.equal(appends(), chunks.length);
    assert.deepEqual(
      (await memory.readAll(turnId)).map((entry) => entry.chunk),
      chunks,
    );
  });

  it('without a window merges only the chunks that arrive while an append is in flight', async () => {
    const { registry, appends } = countingRegistry(memory);
    const writer = new ChunkWriter(registry, turnId, 0);
    const chunks = answerChunks(1000);
    // A burst: the model was ahead of the executor, every word already waiting.
    for (const chunk of chunks) writer.push(chunk);
    await writer.flush();
    assert.equal(appends(), 2, 'the first chunk at once, the rest of the burst in one append');
    const written = (await memory.readAll(turnId)).map((entry) => entry.chunk);
    assert.deepEqual(written[0], chunks[0]);
    assert.deepEqual(
      await foldAssistantMessage(written, 'm'),
      await foldAssistantMessage(chunks, 'm'),
    );
  });

  it('without a window writes the deltas of one turn of the event loop as one chunk', async () => {
    const { registry, appends } = countingRegistry(memory);
    const writer = new ChunkWriter(registry, turnId, 0);
    const chunks = answerChunks(5);
    writer.push(chunks[0] as UIMessageChunk);
    await setImmediate();
    // The model hands over every word due at once: they arrive within one turn of the loop.
    for (const chunk of chunks.slice(1, 7)) {
      writer.push(chunk);
      await Promise.resolve();
    }
    assert.equal(appends(), 1, 'nothing more is written before the turn of the loop ends');
    await setImmediate();
    assert.equal(appends(), 2);
    assert.deepEqual(
      (await memory.readAll(turnId)).map((entry) => entry.chunk),
      [
        chunks[0],
        chunks[1],
        { type: 'text-delta', id: 't', delta: 'word0 word1 word2 word3 word4 ' },
      ],
    );
  });

  it('with a window, a burst of deltas costs a handful of appends and folds to the same message', async () => {
    const { registry, appends } = countingRegistry(memory);
    const writer = new ChunkWriter(registry, turnId, 15);
    const chunks = answerChunks(1000);
    for (const chunk of chunks) writer.push(chunk);
    await writer.flush();
    assert.ok(appends() < 5, `${appends()} appends for ${chunks.length} chunks`);
    const written = (await memory.readAll(turnId)).map((entry) => entry.chunk);
    assert.ok(written.length < 10);
    assert.deepEqual(
      await foldAssistantMessage(written, 'm'),
      await foldAssistantMessage(chunks, 'm'),
    );
  });

  it('with a window, writes the first chunk at once and holds the next ones for the window', async () => {
    const { registry, appends } = countingRegistry(memory);
    const writer = new ChunkWriter(registry, turnId, 60_000);
    const written = async () => (await memory.readAll(turnId)).map((entry) => entry.chunk);
    writer.push({ type: 'start', messageId: 'm' });
    await setImmediate();
    assert.deepEqual(await written(), [{ type: 'start', messageId: 'm' }]);
    const rest = answerChunks(3).slice(1);
    for (const chunk of rest) writer.push(chunk);
    await setImmediate();
    assert.equal((await written()).length, 1, 'the rest waits for the window');
    await writer.flush();
    assert.equal(appends(), 2);
    assert.deepEqual(
      await foldAssistantMessage(await written(), 'm'),
      await foldAssistantMessage(answerChunks(3), 'm'),
    );
  });

  it('with a window, chunks that come while an append is in flight go in the next one', async () => {
    const { registry, appends } = countingRegistry(memory);
    const { registry: slow, open } = gatedRegistry(registry);
    const writer = new ChunkWriter(slow, turnId, 5);
    const chunks = answerChunks(5);
    // Each chunk comes after the window of the one before has passed.
    for (const chunk of chunks) {
      writer.push(chunk);
      await setTimeout(15);
    }
    open();
    await writer.flush();
    assert.equal(appends(), 2, 'the first chunk, then everything that came meanwhile');
    assert.deepEqual(
      await foldAssistantMessage(
        (await memory.readAll(turnId)).map((entry) => entry.chunk),
        'm',
      ),
      await foldAssistantMessage(chunks, 'm'),
    );
  });

  it('turns refused once the turn was ended elsewhere, and drops what comes after', async () => {
    const writer = new ChunkWriter(memory, turnId, 0);
    writer.push({ type: 'start', messageId: 'm' });
    await writer.flush();
    assert.equal(await memory.claimClose(turnId, 'cancelled'), true);
    writer.push({ type: 'text-start', id: 't' });
    await writer.flush();
    assert.equal(writer.refused, true);
    writer.push({ type: 'text-end', id: 't' });
    await writer.flush();
    assert.deepEqual(
      (await memory.readAll(turnId)).map((entry) => entry.chunk.type),
      ['start'],
    );
  });

  it('unwritten holds back what is buffered once the append in flight ended; flush still writes it', async () => {
    const { registry, appends } = countingRegistry(memory);
    const { registry: slow, open } = gatedRegistry(registry);
    const writer = new ChunkWriter(slow, turnId, 0);
    const chunks = answerChunks(3);
    writer.push(chunks[0] as UIMessageChunk);
    for (const chunk of chunks.slice(1)) writer.push(chunk);
    const held = writer.unwritten();
    open();
    const rest = await held;
    await setTimeout(5);
    assert.equal(
      appends(),
      1,
      'only the first chunk was written; the window did not write the rest',
    );
    assert.deepEqual(writer.log, [chunks[0]]);
    assert.ok(rest);
    assert.deepEqual(
      await foldAssistantMessage([...(writer.log ?? []), ...rest], 'm'),
      await foldAssistantMessage(chunks, 'm'),
    );
    await writer.flush();
    assert.equal(appends(), 2);
    assert.deepEqual(
      (await memory.readAll(turnId)).map((entry) => entry.chunk),
      [...(writer.log ?? [])],
    );
  });

  it('unwritten is null when the writer does not hold the whole log', async () => {
    const failing = failingRegistry(memory);
    const broken = new ChunkWriter(failing, turnId, 0);
    broken.push({ type: 'start', messageId: 'm' });
    assert.equal(await broken.unwritten(), null, 'an append failed');
    const other = randomUUID();
    await memory.openTurn({
      turnId: other,
      sessionId: randomUUID(),
      userId: null,
      userMessageId: 'u',
      assistantMessageId: 'm',
    });
    await memory.append(other, [{ type: 'start', messageId: 'm' }]);
    const continued = new ChunkWriter(memory, other, 0);
    continued.push({ type: 'text-start', id: 't' });
    await continued.flush();
    continued.push({ type: 'text-end', id: 't' });
    assert.equal(await continued.unwritten(), null, 'another party wrote the log first');
  });

  it('reports a failing append from flush', async () => {
    const failing = failingRegistry(memory);
    const writer = new ChunkWriter(failing, turnId, 0);
    writer.push({ type: 'start', messageId: 'm' });
    await assert.rejects(writer.flush(), /registry down/);
    assert.equal(writer.log, null, 'what reached the log is unknown');
  });

  it('knows the whole log it wrote: exactly what the registry holds, merges included', async () => {
    for (const windowMs of [0, 15]) {
      const { registry } = countingRegistry(memory);
      const turn = randomUUID();
      await memory.openTurn({
        turnId: turn,
        sessionId: randomUUID(),
        userId: null,
        userMessageId: 'u',
        assistantMessageId: 'm',
      });
      const writer = new ChunkWriter(registry, turn, windowMs);
      for (const chunk of answerChunks(300)) {
        writer.push(chunk);
        if (Math.random() < 0.3) await setImmediate();
      }
      await writer.flush();
      assert.deepEqual(
        writer.log,
        (await memory.readAll(turn)).map((entry) => entry.chunk),
        `window ${windowMs}`,
      );
    }
  });

  it('does not claim the log once another party has appended to it', async () => {
    // A continued answer's log opens with the restored message, written by the API.
    await memory.append(turnId, [{ type: 'start', messageId: 'm' }]);
    const writer = new ChunkWriter(memory, turnId, 0);
    for (const chunk of answerChunks(3).slice(1)) writer.push(chunk);
    await writer.flush();
    assert.equal(writer.log, null);
  });

  it('does not claim the log once the registry refused an append', async () => {
    const writer = new ChunkWriter(memory, turnId, 0);
    writer.push({ type: 'start', messageId: 'm' });
    await writer.flush();
    assert.notEqual(writer.log, null);
    assert.equal(await memory.claimClose(turnId, 'cancelled'), true);
    writer.push({ type: 'text-start', id: 't' });
    await writer.flush();
    assert.equal(writer.refused, true);
    assert.equal(writer.log, null);
  });
});
