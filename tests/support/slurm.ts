import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';

/**
 * A single-node Slurm for tests: Debian's munged, slurmctld and slurmd, run as root in the
 * foreground from a temp folder (own munge socket, own ports, own state), stopped by pid.
 * `startSlurm` returns a reason instead when this machine cannot run one.
 */
export interface TestSlurm {
  env: Record<string, string>;
  stop(): Promise<void>;
}

const BINARIES = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel'];

/**
 * Ports the system says are free now. (Ports derived from the pid could collide: two test files run
 * side by side with pids one apart would have one's slurmd port be the other's slurmctld port.)
 */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const srv = createServer();
          srv.once('error', reject);
          srv.listen(0, '0.0.0.0', () => resolve(srv));
        }),
    ),
  );
  const ports = servers.map((srv) => (srv.address() as AddressInfo).port);
  await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  return ports;
}

async function logTail(file: string, lines = 15): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '(no log)');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function which(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

export async function startSlurm(dir: string): Promise<TestSlurm | { skip: string }> {
  if (process.getuid?.() !== 0) return { skip: 'not root: Slurm daemons need root here' };
  const missing = BINARIES.filter((b) => !which(b));
  if (missing.length)
    return { skip: `Slurm not installed (missing ${missing.join(', ')}): apt-get install -y slurm-wlm munge` };
  if (!existsSync('/etc/munge/munge.key')) return { skip: 'no /etc/munge/munge.key (munge package not set up)' };
  const m = join(dir, 'munge');
  for (const d of ['munge', 'state', 'spool', 'log']) await mkdir(join(dir, d), { recursive: true });
  await chmod(m, 0o711);
  await copyFile('/etc/munge/munge.key', join(m, 'munge.key'));
  await chmod(join(m, 'munge.key'), 0o600);
  const sock = join(m, 'munge.sock');
  const host = hostname();
  // Ports of its own per run, so neither a leftover cluster nor another test file's can answer.
  const [ctldPort, slurmdPort] = await freePorts(2);
  const node = `tbs${ctldPort}`;
  const conf = join(dir, 'slurm.conf');
  await writeFile(
    conf,
    [
      'ClusterName=tbs-test',
      `SlurmctldHost=${host}`,
      'AuthType=auth/munge',
      `AuthInfo=socket=${sock}`,
      'CryptoType=crypto/munge',
      'SlurmUser=root',
      'SlurmdUser=root',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log/slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log/slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SchedulerType=sched/builtin',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'ReturnToService=2',
      'MpiDefault=none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'MinJobAge=600',
      // A node name of its own per cluster, so two test files can each run one on this host.
      `NodeName=${node} NodeHostname=${host} CPUs=${availableParallelism()} State=UNKNOWN`,
      `PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES`,
      '',
    ].join('\n'),
  );
  const env = { SLURM_CONF: conf };
  const procs: ChildProcess[] = [];
  // Each daemon runs under a tiny shell watchdog that also stops it when this test process dies
  // without running its after() hooks (a file-level timeout kills it), so no daemon outlives a run.
  const watchdog = `"$@" & c=$!; trap 'kill $c 2>/dev/null; wait $c; exit 0' TERM; while kill -0 ${process.pid} 2>/dev/null && kill -0 $c 2>/dev/null; do sleep 1; done; kill $c 2>/dev/null; wait $c`;
  const start = (cmd: string, args: string[]) => {
    const p = spawn('sh', ['-c', watchdog, 'sh', cmd, ...args], { env: { ...process.env, ...env }, stdio: 'ignore' });
    procs.push(p);
    return p;
  };
  const stop = async () => {
    for (const p of procs.reverse()) {
      if (p.exitCode !== null || p.pid === undefined) continue;
      const gone = new Promise((r) => p.once('exit', r));
      process.kill(p.pid, 'SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (p.exitCode === null) process.kill(p.pid, 'SIGKILL');
    }
  };
  start('munged', [
    '-F',
    '--force',
    `--socket=${sock}`,
    `--key-file=${join(m, 'munge.key')}`,
    `--pid-file=${join(m, 'munged.pid')}`,
    `--seed-file=${join(m, 'seed')}`,
  ]);
  for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
  start('slurmctld', ['-D', '-f', conf]);
  start('slurmd', ['-D', '-N', node, '-f', conf]);
  // A loaded machine can take a while; the wait is by the clock, not by a number of tries.
  const WAIT_S = 120;
  const until = Date.now() + WAIT_S * 1000;
  while (Date.now() < until) {
    const r = spawnSync('sinfo', ['-h', '-o', '%t'], { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (r.status === 0 && /idle|mix|alloc/.test(r.stdout)) return { env, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  // The temp folder goes with the test: the reason carries the logs' last lines.
  const tails = await Promise.all(
    ['slurmctld', 'slurmd'].map(async (d) => `--- ${d}.log:\n${await logTail(join(dir, 'log', `${d}.log`))}`),
  );
  return { skip: `Slurm did not come up within ${WAIT_S} s\n${tails.join('\n')}` };
}
