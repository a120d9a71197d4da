// Entry of the child process that adds or removes a report (report-child.ts): a forked process gets no
// loader hooks (its flags are set here: a heap limit), so it registers tsx itself before loading the source.
import { register } from 'tsx/esm/api';

register();
await import('./report-child.ts');
