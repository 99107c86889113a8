import type { appCommands, JobInfo } from '../../../shared/contract/app.js';
import type { JobInfo as RunnerJobInfo } from '../jobs/job-runner.js';
import { sqlString } from '../store/dataset-store.js';
import type { HandlerFactory } from './handler-types.js';

/** A job as the UI sees it: no summary (an import's can hold 10^4 errors), just status and progress. */
export function jobView(j: RunnerJobInfo): JobInfo {
  const s = j.state;
  return {
    jobId: j.jobId,
    kind: j.kind,
    startedAt: j.startedAt,
    status: s.status,
    progress:
      (s.status === 'running' || s.status === 'queued') && s.progress
        ? { phase: s.progress.phase, done: s.progress.done, total: s.progress.total }
        : null,
    error: s.status === 'failed' ? s.error : null,
  };
}

export const appHandlers: HandlerFactory<keyof typeof appCommands> = (engine) => ({
  'jobs.list': async () => engine.jobs.list().map(jobView),
  'jobs.cancel': async (i) => ({ cancelled: engine.jobs.cancel(i.jobId) }),
  'samples.importErrors': async (i) => {
    const t = await engine.store.table('import_errors');
    const filter = i.importId ? `import_id = ${sqlString(i.importId)}` : undefined;
    const total = await t.countRows(filter);
    let q = t.query();
    if (filter) q = q.where(filter);
    const rows = await q.offset(i.offset).limit(i.limit).toArray();
    return {
      total,
      errors: rows.map((r) => ({
        importId: r.import_id as string,
        file: r.file as string,
        line: (r.line as number | null) ?? null,
        field: (r.field as string | null) ?? null,
        message: r.message as string,
        createdAt: r.created_at as string,
      })),
    };
  },
});
