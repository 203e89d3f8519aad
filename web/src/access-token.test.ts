import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptTokenHandOff, readStoredToken, storeToken } from './access-token.ts';

const here = () => `${window.location.pathname}${window.location.search}${window.location.hash}`;

describe('the #token= hand-off', () => {
  beforeEach(() => storeToken(null));
  afterEach(() => window.history.replaceState(null, '', '/'));

  it('stores a fragment token when none is saved and strips it, keeping the rest of the URL', () => {
    window.history.replaceState(null, '', '/?session=abc#token=%20new-token%20');
    expect(acceptTokenHandOff()).toBeNull();
    expect(readStoredToken()).toBe('new-token');
    expect(here()).toBe('/?session=abc');
  });

  it('keeps other fragment parameters', () => {
    window.history.replaceState(null, '', '/#token=t&view=compact');
    acceptTokenHandOff();
    expect(here()).toBe('/#view=compact');
  });

  it('ignores a ?token= query, which already travelled to the server, and strips it', () => {
    storeToken('old-token');
    window.history.replaceState(null, '', '/?token=from-query&session=abc');
    expect(acceptTokenHandOff()).toBeNull();
    expect(readStoredToken()).toBe('old-token');
    expect(here()).toBe('/?session=abc');
    storeToken(null);
    window.history.replaceState(null, '', '/?token=from-query');
    acceptTokenHandOff();
    expect(readStoredToken()).toBeNull();
  });

  it('never replaces a different saved token on its own: it hands it back to ask', () => {
    storeToken('old-token');
    window.history.replaceState(null, '', '/#token=other-token');
    expect(acceptTokenHandOff()).toBe('other-token');
    expect(readStoredToken()).toBe('old-token');
    expect(here()).toBe('/');
  });

  it('has nothing to ask when the link carries the saved token, or an empty one', () => {
    storeToken('same-token');
    window.history.replaceState(null, '', '/#token=same-token');
    expect(acceptTokenHandOff()).toBeNull();
    window.history.replaceState(null, '', '/#token=');
    expect(acceptTokenHandOff()).toBeNull();
    expect(readStoredToken()).toBe('same-token');
    expect(here()).toBe('/');
  });

  it('leaves a URL without a token alone', () => {
    window.history.replaceState({ kept: true }, '', '/?session=abc#section');
    expect(acceptTokenHandOff()).toBeNull();
    expect(here()).toBe('/?session=abc#section');
    expect(window.history.state).toEqual({ kept: true });
  });
});
