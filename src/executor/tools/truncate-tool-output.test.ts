import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isTruncatedToolOutput,
  serializedByteLength,
  truncateText,
  truncateToolOutput,
  truncationMarker,
} from './truncate-tool-output.ts';

/** A string whose JSON text (with its two quotes) is exactly `bytes` long, in ASCII. */
const asciiOfJsonSize = (bytes: number) => 'a'.repeat(bytes - 2);

function assertCutString(original: string, result: unknown, maxBytes: number): string {
  assert.equal(typeof result, 'string');
  const text = result as string;
  const marker = `\n${truncationMarker(serializedByteLength(original), maxBytes)}`;
  assert.ok(text.endsWith(marker), `ends with the marker: ${JSON.stringify(text.slice(-80))}`);
  const head = text.slice(0, -marker.length);
  assert.ok(original.startsWith(head), 'the kept text is the beginning of the output');
  assert.ok(head.isWellFormed(), 'no character is split');
  assert.ok(serializedByteLength(text) <= maxBytes, 'the result fits the limit');
  return head;
}

describe('truncateToolOutput', () => {
  it('returns an output whose JSON is exactly the limit unchanged', () => {
    const text = asciiOfJsonSize(300);
    assert.equal(truncateToolOutput(text, 300), text);
    const object = { text: 'a'.repeat(300 - '{"text":""}'.length) };
    assert.equal(serializedByteLength(object), 300);
    assert.equal(truncateToolOutput(object, 300), object);
  });

  it('cuts a string one byte over the limit to exactly the limit, marker included', () => {
    const text = asciiOfJsonSize(301);
    const result = truncateToolOutput(text, 300);
    const head = assertCutString(text, result, 300);
    assert.equal(serializedByteLength(result), 300, 'keeps as much as fits');
    assert.ok(head.length > 200);
    assert.match(
      result as string,
      /…\[output truncated: 301 bytes exceeded the 300 bytes limit\]$/,
    );
  });

  it('never splits a multi-byte character or a surrogate pair at the cut', () => {
    const euros = '€'.repeat(400);
    const emoji = '😀'.repeat(400);
    const mixed = 'a€😀é'.repeat(200);
    for (const original of [euros, emoji, mixed]) {
      for (let maxBytes = 300; maxBytes < 312; maxBytes += 1) {
        const result = truncateToolOutput(original, maxBytes);
        assertCutString(original, result, maxBytes);
        // The longest whole-character beginning that fits: one more character would not.
        assert.ok(
          serializedByteLength(result) > maxBytes - 4,
          `${maxBytes}: keeps as much as fits`,
        );
      }
    }
  });

  it('counts JSON escapes: quotes, backslashes and control characters cost more than one byte', () => {
    const original = '"\\\n\u0001'.repeat(200);
    const result = truncateToolOutput(original, 400);
    assertCutString(original, result, 400);
  });

  it('turns an object or array over the limit into a marked preview of its JSON', () => {
    const rows = Array.from({ length: 200 }, (_, index) => ({ id: index, name: `row "${index}"` }));
    for (const original of [{ rows }, rows]) {
      const result = truncateToolOutput(original, 1000);
      assert.ok(isTruncatedToolOutput(result));
      assert.equal(result.truncated, true);
      const size = serializedByteLength(original);
      assert.equal(result.marker, truncationMarker(size, 1000));
      assert.match(
        result.marker,
        /^…\[output truncated: \d+(\.\d)? KB exceeded the 1000 bytes limit\]$/,
      );
      assert.ok(JSON.stringify(original).startsWith(result.preview));
      assert.ok(result.preview.length > 400);
      assert.ok(serializedByteLength(result) <= 1000);
      assert.ok(serializedByteLength(result) > 1000 - 2, 'keeps as much as fits');
    }
  });

  it('leaves values with no JSON, and small values, as they are', () => {
    assert.equal(truncateToolOutput(undefined, 300), undefined);
    assert.equal(truncateToolOutput(null, 300), null);
    assert.equal(truncateToolOutput(42, 300), 42);
  });

  it('cuts a 10 MB output to a 100 KB limit quickly', () => {
    const started = performance.now();
    const result = truncateToolOutput('€'.repeat(3_500_000), 102_400);
    assert.ok(serializedByteLength(result) <= 102_400);
    assert.match(result as string, /…\[output truncated: 10\.1 MB exceeded the 100 KB limit\]$/);
    assert.ok(performance.now() - started < 2000);
  });
});

describe('truncationMarker', () => {
  it('states both sizes, the output rounded up and the limit down', () => {
    assert.equal(
      truncationMarker(256_000, 102_400),
      '…[output truncated: 250 KB exceeded the 100 KB limit]',
    );
    assert.equal(
      truncationMarker(102_401, 102_400),
      '…[output truncated: 100.1 KB exceeded the 100 KB limit]',
    );
    assert.equal(
      truncationMarker(3 * 1024 * 1024 + 1, 1000),
      '…[output truncated: 3.1 MB exceeded the 1000 bytes limit]',
    );
  });
});

describe('isTruncatedToolOutput', () => {
  it('recognises only the exact shape, not an output that happens to have `truncated`', () => {
    assert.ok(isTruncatedToolOutput({ truncated: true, marker: 'm', preview: 'p' }));
    assert.ok(!isTruncatedToolOutput({ truncated: true, marker: 'm', preview: 'p', rows: [] }));
    assert.ok(!isTruncatedToolOutput({ truncated: true, results: [] }));
    assert.ok(!isTruncatedToolOutput('…[output truncated'));
    assert.ok(!isTruncatedToolOutput(null));
  });
});

describe('truncateText', () => {
  it('cuts an error text like a string output', () => {
    const text = 'x'.repeat(1024 * 1024);
    const result = truncateText(text, 2000);
    assertCutString(text, result, 2000);
    assert.equal(truncateText('division by zero', 2000), 'division by zero');
  });
});
