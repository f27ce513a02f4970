// Development only: lets a raw `new Worker()` run a .ts entry under tsx (tests run from src/).
// Node 20 cannot load .ts in a worker even with `--import tsx` (privatenumber/tsx#354,
// nodejs/node#47747); registering tsx inside the worker and then importing the entry works.
// The built service never uses this: it points workers at dist/*.js.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__entry);
