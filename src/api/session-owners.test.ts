import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionOwners } from './session-owners.ts';

describe('SessionOwners', () => {
  it('remembers owned sessions and forgets them on request', () => {
    const owners = new SessionOwners({ rememberUnowned: false });
    owners.remember({ id: 's1', userId: 'alice' });
    assert.deepEqual(owners.get('s1'), { id: 's1', userId: 'alice' });
    owners.forget('s1');
    assert.equal(owners.get('s1'), undefined);
  });

  it('keeps unowned sessions only where told that every claim is made in this process', () => {
    const shared = new SessionOwners({ rememberUnowned: false });
    shared.remember({ id: 's1', userId: null });
    assert.equal(shared.get('s1'), undefined);
    const exclusive = new SessionOwners({ rememberUnowned: true });
    exclusive.remember({ id: 's1', userId: null });
    assert.deepEqual(exclusive.get('s1'), { id: 's1', userId: null });
  });

  it('forgets the oldest session once full, never the one being remembered again', () => {
    const owners = new SessionOwners({ rememberUnowned: false, maxEntries: 2 });
    owners.remember({ id: 's1', userId: 'alice' });
    owners.remember({ id: 's2', userId: 'bob' });
    owners.remember({ id: 's2', userId: 'bob' });
    assert.notEqual(owners.get('s1'), undefined);
    owners.remember({ id: 's3', userId: 'carol' });
    assert.equal(owners.get('s1'), undefined);
    assert.deepEqual(
      ['s2', 's3'].map((id) => owners.get(id)?.userId),
      ['bob', 'carol'],
    );
  });
});
