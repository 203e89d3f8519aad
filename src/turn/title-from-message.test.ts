import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { titleFromMessage } from './title-from-message.ts';

const titleOf = (text: string) =>
  titleFromMessage({ id: 'message-1', role: 'user', parts: [{ type: 'text', text }] } as UIMessage);

describe('the automatic title of a session', () => {
  it('is the first line of the first message as plain text', () => {
    assert.equal(titleOf('Plan my trip\nto Lisbon in May'), 'Plan my trip');
    assert.equal(titleOf('  \n\n  Hello   there  \nsecond line'), 'Hello there');
  });

  it('drops emphasis, strike-through and code marks but keeps their words', () => {
    assert.equal(titleOf('Why is **this** _so_ ~~slow~~ fast?'), 'Why is this so slow fast?');
    assert.equal(titleOf('What does `Array.prototype.at` do?'), 'What does Array.prototype.at do?');
  });

  it('reads each message on its own: a link defined in one is not a link in the next', () => {
    assert.equal(titleOf('See [docs] first\n\n[docs]: https://example.com'), 'See docs first');
    assert.equal(titleOf('See [docs] first'), 'See [docs] first');
    assert.equal(titleOf('Note[^1]\n\n[^1]: a footnote'), 'Note');
    assert.equal(titleOf('Note[^1]'), 'Note[^1]');
  });

  it('takes a heading without its # marks', () => {
    assert.equal(titleOf('# Release notes\n\nSummarise these'), 'Release notes');
    assert.equal(titleOf('### Step *three*'), 'Step three');
  });

  it('keeps the text of links and images and drops their targets', () => {
    assert.equal(
      titleOf('Read [the design doc](https://example.com/design) please'),
      'Read the design doc please',
    );
    assert.equal(titleOf('![a cat](cat.png) is this a cat?'), 'a cat is this a cat?');
    assert.equal(titleOf('Open https://example.com/a now'), 'Open https://example.com/a now');
  });

  it('drops list markers, quote marks and inline HTML', () => {
    assert.equal(titleOf('- buy milk\n- buy bread'), 'buy milk');
    assert.equal(titleOf('1. first step\n2. second step'), 'first step');
    assert.equal(titleOf('> to be or not to be'), 'to be or not to be');
    assert.equal(titleOf('a <b>bold</b> move'), 'a bold move');
  });

  it('takes the first code line of a message that starts with a fence', () => {
    assert.equal(titleOf('```ts\nconst answer = 42;\n```\nexplain'), 'const answer = 42;');
  });

  it('takes the header row of a table with its cells apart', () => {
    assert.equal(titleOf('| Language | Year |\n| --- | --- |\n| Go | 2009 |'), 'Language Year');
  });

  it('keeps characters that only look like markup', () => {
    assert.equal(titleOf('2 * 3 * 4 = ?'), '2 * 3 * 4 = ?');
    assert.equal(titleOf('escaped \\*stars\\* stay'), 'escaped *stars* stay');
    assert.equal(titleOf('snake_case_name [demo:words=3]'), 'snake_case_name [demo:words=3]');
  });

  it('falls back to the raw first line when nothing would be left', () => {
    assert.equal(titleOf('<div>raw html</div>'), '<div>raw html</div>');
    assert.equal(titleOf('---'), '---');
  });

  it('cuts plain text longer than 50 characters at a word, with an ellipsis', () => {
    const title = titleOf(
      `**Please** explain ${'in great detail how durable streams work '.repeat(3)}`,
    );
    assert.ok(title.length <= 50, title);
    assert.equal(title, 'Please explain in great detail how durable…');
  });

  it('cuts a long word that has no space to break at', () => {
    const title = titleOf('x'.repeat(80));
    assert.equal(title, `${'x'.repeat(49)}…`);
  });
});
