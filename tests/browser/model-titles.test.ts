import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import {
  assertNotReloaded,
  markPage,
  sendMessage,
  sessionItem,
  waitForAssistantStatus,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../support/fake-openai-server.ts';

describe('a session titled by the model, in the browser', () => {
  let fake: FakeOpenAiServer;
  const environment: Record<string, string> = { MODEL: 'fake-model' };
  before(async () => {
    fake = await startFakeOpenAiServer();
    environment.OPENAI_BASE_URL = `${fake.url}/v1`;
  });
  after(() => fake.close());
  const suite = browserSuite({ environment });

  suite.test(
    'the sidebar shows the title the model gave after the first answer, without a reload',
    async ({ openPage }) => {
      fake.enqueue({ type: 'text', deltas: ['Pack light ', 'layers and ', 'a rain jacket.'] });
      fake.enqueue({ type: 'text', deltas: ['Packing for Iceland in autumn'] });
      const page = await openPage('/');
      await markPage(page);
      await sendMessage(page, 'what should i bring to iceland in october??');
      const sessionId = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');
      const item = sessionItem(page, sessionId);
      await item.getByText('Packing for Iceland in autumn').waitFor({ timeout: 10_000 });
      assert.doesNotMatch((await item.textContent()) ?? '', /what should i bring/);
      await assertNotReloaded(page);
    },
  );
});
