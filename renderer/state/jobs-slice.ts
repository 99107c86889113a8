import { create } from 'zustand';
import type { JobInfo, StudioEventPayload } from '../../shared/contract/app.js';
import { call } from '../transport/studio-client.js';

/** Running and recent jobs, from job-progress / job-state events (and jobs.list on start). */
export interface JobView extends Omit<JobInfo, 'progress'> {
  phase: string;
  done: number;
  total: number;
  finishedAt: number | null;
}

interface JobsState {
  jobs: Record<string, JobView>;
  refresh(): Promise<void>;
  onProgress(p: StudioEventPayload<'job-progress'>): void;
  onState(s: StudioEventPayload<'job-state'>): void;
  cancel(jobId: string): Promise<boolean>;
  clearFinished(): void;
}

export const useJobs = create<JobsState>()((set, get) => ({
  jobs: {},
  async refresh() {
    const list = await call('jobs.list', {});
    const jobs: Record<string, JobView> = {};
    for (const j of list) {
      jobs[j.jobId] = {
        ...j,
        phase: j.progress?.phase ?? j.status,
        done: j.progress?.done ?? 0,
        total: j.progress?.total ?? 0,
        finishedAt: j.status === 'running' || j.status === 'queued' ? null : Date.now(),
      };
    }
    set({ jobs });
  },
  onProgress(p) {
    const prev = get().jobs[p.jobId];
    const next: JobView = {
      jobId: p.jobId,
      kind: p.kind,
      startedAt: prev?.startedAt ?? new Date().toISOString(),
      status: prev?.status === 'queued' || !prev ? 'running' : prev.status,
      error: null,
      phase: p.phase,
      done: p.done,
      total: p.total,
      finishedAt: prev?.finishedAt ?? null,
    };
    set({ jobs: { ...get().jobs, [p.jobId]: next } });
  },
  onState(s) {
    const prev = get().jobs[s.jobId];
    const next: JobView = {
      jobId: s.jobId,
      kind: s.kind,
      startedAt: prev?.startedAt ?? new Date().toISOString(),
      status: s.status,
      error: s.error,
      phase: prev?.phase ?? s.status,
      done: prev?.done ?? 0,
      total: prev?.total ?? 0,
      finishedAt: s.status === 'running' || s.status === 'queued' ? null : Date.now(),
    };
    set({ jobs: { ...get().jobs, [s.jobId]: next } });
  },
  async cancel(jobId) {
    const r = await call('jobs.cancel', { jobId });
    return r.cancelled;
  },
  clearFinished() {
    set({ jobs: Object.fromEntries(Object.entries(get().jobs).filter(([, j]) => j.finishedAt === null)) });
  },
}));

export const runningJobs = (jobs: Record<string, JobView>) =>
  Object.values(jobs).filter((j) => j.status === 'running' || j.status === 'queued');
