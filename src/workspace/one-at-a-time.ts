// Work that must not overlap for one key (a mirror's fetch, a repository's `worktree add`, an install cache
// entry), queued in this process: each call waits for the one before it on its key, whatever that one's outcome.

export type KeyedQueue = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

export function keyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const before = tails.get(key) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(fn);
    tails.set(key, run);
    try {
      return await run;
    } finally {
      if (tails.get(key) === run) tails.delete(key);
    }
  };
}
