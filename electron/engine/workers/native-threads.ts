/**
 * `--workers N` bounds the CPU a command uses, LanceDB's own threads included.
 *
 * LanceDB builds its ANN index (HNSW over scalar-quantized vectors) on Rayon's global thread pool,
 * which is as wide as the machine unless RAYON_NUM_THREADS says otherwise; our pool's threads do
 * the rest. Measured on 10^5 x 256 vectors, 2 cores: 11.6 s wall / 21.6 s CPU uncapped, 18.7 s /
 * 20.4 s with one thread. LANCE_CPU_THREADS does not change the build.
 *
 * Rayon reads the variable once, when the process first uses the pool, so this must run before the
 * first index build of the process: the CLI calls it before a command's action (one command per
 * process), the app and `tbs serve` at start (a new setting applies to index builds from the next
 * start). A RAYON_NUM_THREADS the user set wins.
 */
export function capNativeThreads(workers: number | null, env: NodeJS.ProcessEnv = process.env): void {
  // null: no count was chosen; Rayon counts the cores itself (unlike Node, within a container's CPU quota).
  if (workers === null) return;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}`);
  if (env.RAYON_NUM_THREADS === undefined || env.RAYON_NUM_THREADS === '') env.RAYON_NUM_THREADS = String(workers);
}
