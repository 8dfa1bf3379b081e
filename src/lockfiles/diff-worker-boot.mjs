// The worker thread's entry (plain JavaScript): Node 20 runs no --import in workers, so TypeScript is
// registered through tsx's API here, as bin/bumpbench.js does for the main thread.
import { register } from 'tsx/esm/api';

register();
await import('./diff-worker.ts');
