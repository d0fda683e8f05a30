import { afterEach, vi } from 'vitest';

/** Stubs the global fetch with one answer, keeping what it was called with; undone after each test of the file that imports it. */
export const answering = (response: () => Response) => {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return response();
  });
  return calls;
};

afterEach(() => {
  vi.unstubAllGlobals();
});
