import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Cluster, startCluster } from '../support/cluster.ts';
import { readSse } from '../support/read-sse.ts';

describe('cluster smoke', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster?.close());

  it('answers through one API and replays through the other', async () => {
    const [first, second] = cluster.apis;
    assert.ok(first && second);
    const created = (await (
      await fetch(`${first.url}/api/chat/sessions`, { method: 'POST' })
    ).json()) as { id: string };
    const answer = await readSse(`${first.url}/api/chat/sessions/${created.id}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hello cluster' }),
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.done, true);
    const session = (await (
      await fetch(`${second.url}/api/chat/sessions/${created.id}`)
    ).json()) as { messages: unknown[] };
    assert.equal(session.messages.length, 2);
  });
});
