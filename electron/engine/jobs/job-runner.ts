import { randomUUID } from 'node:crypto';
import { EventEmitter, setMaxListeners } from 'node:events';
import type { JobStatus } from '../../../shared/enums.js';

export interface JobProgress {
  jobId: string;
  kind: string;
  phase: string;
  done: number;
  total: number;
}

export type JobState =
  | { status: 'queued' | 'running'; progress: JobProgress | null }
  | { status: 'done'; summary: unknown }
  | { status: 'failed'; error: { name: string; message: string } }
  | { status: 'cancelled'; summary: unknown };

export interface JobInfo {
  jobId: string;
  kind: string;
  startedAt: string;
  state: JobState;
}

export interface JobContext {
  jobId: string;
  signal: AbortSignal;
  progress(phase: string, done: number, total: number): void;
}

/**
 * Long work as jobs: an id, a discriminated status, progress events and an AbortSignal.
 * Jobs persist their outcome through their own code (idempotent, resumable); this only tracks them.
 */
export class JobRunner extends EventEmitter {
  private jobs = new Map<string, { info: JobInfo; ctl: AbortController }>();

  start<T>(kind: string, fn: (ctx: JobContext) => Promise<T>): { jobId: string; result: Promise<T> } {
    const jobId = randomUUID();
    const ctl = new AbortController();
    // NOTE: every in-flight call of a job (up to --concurrency) listens on this one signal.
    setMaxListeners(0, ctl.signal);
    const info: JobInfo = {
      jobId,
      kind,
      startedAt: new Date().toISOString(),
      state: { status: 'running', progress: null },
    };
    this.jobs.set(jobId, { info, ctl });
    const ctx: JobContext = {
      jobId,
      signal: ctl.signal,
      progress: (phase, done, total) => {
        const p = { jobId, kind, phase, done, total };
        if (info.state.status === 'running') info.state = { status: 'running', progress: p };
        this.emit('job-progress', p);
      },
    };
    const result = fn(ctx).then(
      (summary) => {
        info.state = ctl.signal.aborted ? { status: 'cancelled', summary } : { status: 'done', summary };
        this.emit('job-state', info);
        return summary;
      },
      (e: Error) => {
        // A job that stops by throwing once it was asked to cancel was cancelled, not failed.
        info.state = ctl.signal.aborted
          ? { status: 'cancelled', summary: null }
          : { status: 'failed', error: { name: e.name, message: e.message } };
        this.emit('job-state', info);
        throw e;
      },
    );
    result.catch(() => {});
    return { jobId, result };
  }

  cancel(jobId: string): boolean {
    const j = this.jobs.get(jobId);
    if (!j || (j.info.state.status !== 'running' && j.info.state.status !== 'queued')) return false;
    j.ctl.abort();
    return true;
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => j.info);
  }
  status(jobId: string): JobStatus | undefined {
    return this.jobs.get(jobId)?.info.state.status;
  }
}
