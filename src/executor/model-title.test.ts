import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanTitle, maximumTitleChars } from './model-title.ts';

describe('cleanTitle', () => {
  it('takes the first line without a label, quotes, markdown or a trailing period', () => {
    assert.equal(cleanTitle('\n  Title: "Weather in Lisbon".\nMore text'), 'Weather in Lisbon');
    assert.equal(cleanTitle('**Planning a trip**'), 'Planning a trip');
    assert.equal(cleanTitle('# “Budget review”'), 'Budget review');
    assert.equal(cleanTitle('   '), '');
  });

  it('cuts a long title at a word, within the limit, with an ellipsis', () => {
    const title = cleanTitle(
      'A very long title about the many ways durable streams survive reloads and restarts',
    );
    assert.ok(title.length <= maximumTitleChars, title);
    assert.match(title, /^A very long title about the many ways durable\w*…$/);
  });
});
