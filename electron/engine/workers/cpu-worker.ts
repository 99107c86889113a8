import { runCpuTask, type CpuTask } from './cpu-tasks.js';

/**
 * tinypool's entry in each worker thread. NOTE: vectors are returned as a copy, not with
 * Tinypool.move: under tsx the worker sees its own copy of tinypool's module, whose transfer
 * marker the pool does not recognise. A task's vectors are ~1 MB; the copy is cheap.
 */
export default async function run(task: CpuTask) {
  return runCpuTask(task);
}
