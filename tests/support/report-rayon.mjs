// Preloaded into a `tbs` process by native-threads.test.ts: prints, as the process exits, the Rayon
// thread count the CLI left in its environment for LanceDB.
process.on('exit', () => process.stderr.write(`\nRAYON_NUM_THREADS=${process.env.RAYON_NUM_THREADS ?? ''}\n`));
