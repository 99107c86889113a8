import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What isolation the exercise runner really has on this machine (probed once, reported per run). */
export interface SandboxReport {
  /** `unshare -n` (root: empty network namespace), `unshare -rn` (user + network namespace), or `none`. */
  network: 'unshare -n' | 'unshare -rn' | 'none';
  /** The uid the code runs as: `nobody` (setpriv, when root) or the current user. */
  user: string;
  python: string;
  limits: {
    cpuSeconds: number;
    memoryBytes: number;
    fileBytes: number;
    openFiles: number;
    processes: number;
    wallMs: number;
  };
  notes: string[];
}

export interface TestRunResult {
  ok: boolean;
  detail: string;
  ran: { doctests: number; asserts: number };
  sandbox: SandboxReport;
}

const LIMITS = {
  cpuSeconds: 5,
  memoryBytes: 512 << 20,
  fileBytes: 1 << 20,
  openFiles: 64,
  processes: 16,
  wallMs: 10_000,
};

let probed: SandboxReport | null = null;

const works = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 5000 }).status === 0;

/** Finds the strongest isolation available: network namespace, unprivileged user, rlimits. */
export function probeSandbox(): SandboxReport {
  if (probed) return probed;
  const python = process.env.TBS_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const notes: string[] = [];
  const root = process.getuid?.() === 0;
  let network: SandboxReport['network'] = 'none';
  if (root && works('unshare', ['-n', 'true'])) network = 'unshare -n';
  else if (works('unshare', ['-rn', 'true'])) network = 'unshare -rn';
  else notes.push('network is NOT isolated: unshare -n / -rn are unavailable here');
  const user =
    root && works('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'true'])
      ? 'nobody'
      : `uid ${process.getuid?.() ?? '?'}`;
  if (user !== 'nobody') notes.push('runs as the current user: it can read and write what that user can');
  if (!works('prlimit', ['--cpu=1', 'true'])) notes.push('prlimit missing: only the wall-clock limit applies');
  if (!works(python, ['-c', 'import doctest'])) notes.push(`${python} cannot run: every test run will fail`);
  notes.push(
    'no filesystem namespace: the code sees the host filesystem read-only as its uid allows; it writes in a fresh temporary directory',
  );
  if (user !== 'nobody') notes.push('RLIMIT_NPROC is not set: it would count every process of this uid');
  probed = { network, user, python, limits: LIMITS, notes };
  return probed;
}

/** The in-sandbox runner: executes the exercise as a module, its doctests, then its asserts; one JSON line out. */
const RUNNER = `
import doctest, json, sys, types
src = open('exercise.py').read()
asserts = open('asserts.py').read()
mod = types.ModuleType('exercise')
mod.__file__ = 'exercise.py'
sys.modules['exercise'] = mod
out = {'doctests': 0, 'doctest_failures': 0, 'asserts': asserts.count('assert '), 'error': None}
try:
    exec(compile(src, 'exercise.py', 'exec'), mod.__dict__)
    r = doctest.testmod(mod, report=False, verbose=False)
    out['doctests'], out['doctest_failures'] = r.attempted, r.failed
    if r.failed:
        out['error'] = '%d of %d doctests failed' % (r.failed, r.attempted)
    elif asserts.strip():
        exec(compile(asserts, 'asserts.py', 'exec'), mod.__dict__)
except BaseException as e:
    out['error'] = '%s: %s' % (type(e).__name__, str(e)[:300])
print(json.dumps(out))
`;

/**
 * Runs one exercise's doctests and asserts in a locked-down subprocess: a fresh temporary
 * directory, no network (a new network namespace), an unprivileged uid when we are root, and
 * CPU / address-space / file-size / open-file limits plus a wall-clock kill.
 */
export async function runExerciseTests(
  code: string,
  asserts: string,
  opts: { signal?: AbortSignal } = {},
): Promise<TestRunResult> {
  const sandbox = probeSandbox();
  const dir = await mkdtemp(join(tmpdir(), 'tbs-exercise-'));
  try {
    await writeFile(join(dir, 'exercise.py'), code);
    await writeFile(join(dir, 'asserts.py'), asserts);
    await writeFile(join(dir, 'runner.py'), RUNNER);
    if (sandbox.user === 'nobody') await chmod(dir, 0o777);
    const argv: string[] = [];
    if (sandbox.network !== 'none') argv.push('unshare', sandbox.network === 'unshare -n' ? '-n' : '-rn', '--');
    if (sandbox.user === 'nobody')
      argv.push('setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--no-new-privs', '--');
    argv.push(
      'prlimit',
      `--cpu=${LIMITS.cpuSeconds}`,
      `--as=${LIMITS.memoryBytes}`,
      `--fsize=${LIMITS.fileBytes}`,
      `--nofile=${LIMITS.openFiles}`,
      '--core=0',
      // NOTE: only meaningful for an unprivileged uid (root ignores RLIMIT_NPROC; ours would count all our processes).
      ...(sandbox.user === 'nobody' ? [`--nproc=${LIMITS.processes}`] : []),
      '--',
      sandbox.python,
      '-I',
      'runner.py',
    );
    const { code: exit, stdout, stderr, timedOut } = await run(argv, dir, opts.signal);
    const last = stdout.trim().split('\n').at(-1) ?? '';
    let out: { doctests: number; asserts: number; error: string | null } | null = null;
    try {
      out = JSON.parse(last);
    } catch {
      out = null;
    }
    const ran = { doctests: out?.doctests ?? 0, asserts: out?.asserts ?? 0 };
    if (timedOut) return { ok: false, detail: `killed after ${LIMITS.wallMs} ms (wall-clock limit)`, ran, sandbox };
    if (!out)
      return {
        ok: false,
        detail: `runner exited ${exit}: ${stderr.trim().split('\n').at(-1)?.slice(0, 300) ?? ''}`,
        ran,
        sandbox,
      };
    if (out.error) {
      // doctest prints each failure before our JSON line: name the first exception or mismatch.
      const log = stdout.trim().split('\n').slice(0, -1);
      const why =
        log.find((l) => /^\s+\w+(Error|Exception|Exit|Interrupt)\b/.test(l))?.trim() ??
        log[log.indexOf('Got:') + 1]?.trim();
      return { ok: false, detail: why ? `${out.error}: ${why.slice(0, 200)}` : out.error, ran, sandbox };
    }
    if (ran.doctests + ran.asserts === 0)
      return { ok: false, detail: 'the exercise has no doctest or assert to run', ran, sandbox };
    return { ok: true, detail: `${ran.doctests} doctests, ${ran.asserts} asserts passed`, ran, sandbox };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(argv: string[], cwd: string, signal?: AbortSignal) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }>((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      env: { PATH: '/usr/bin:/bin', HOME: cwd, LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, LIMITS.wallMs);
    child.stdout.on('data', (d) => {
      if (stdout.length < 1 << 16) stdout += d;
    });
    child.stderr.on('data', (d) => {
      if (stderr.length < 1 << 16) stderr += d;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}
