// Development only: lets a raw `new Worker()` or a piscina pool run a .ts entry under tsx (tests
// run from src/). A worker inherits `--import tsx` from the test process, which on Node 22 and 24
// loads .ts in the worker as it does in the test process; Node 20 cannot (privatenumber/tsx#354,
// nodejs/node#47747), so there tsx is registered here first. Registering it a second time on 22 or
// 24 would transform each file again, differently.
// For piscina the entry's default export is re-exported. The top-level await makes piscina's
// require() of this file fail, so piscina imports it instead, and the entry gets the same ES-module
// code as in the test process (require() would get tsx's CommonJS version). Coverage of one file
// in two versions does not merge (docs/decisions/120-lint-format-coverage.md).
// The built service never uses this: it points workers at dist/*.js.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

if (Number(process.versions.node.split('.')[0]) < 22) register();
const entry = await import(workerData.__entry);
export default entry.default;
