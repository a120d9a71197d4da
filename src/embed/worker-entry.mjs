// Entry of an embedding worker thread: loader hooks are not inherited by workers on Node 20,
// so the worker registers tsx itself before loading the TypeScript source.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
