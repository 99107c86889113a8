import { pushAll } from '../../../shared/arrays.js';
import { CodedError } from '../../../shared/errors.js';
import type { synthCommands } from '../../../shared/contract/synth.js';
import { countImports, ensureImports, idsByLanguage } from '../stats/imports-stat.js';
import { normalizeLanguage } from '../ingest/languages.js';
import type { HandlerFactory } from './handler-types.js';

export const synthHandlers: HandlerFactory<keyof typeof synthCommands> = (engine) => ({
  'stats.imports': async (i) => {
    if (i.scope === 'export') {
      if (i.language)
        throw new CodedError(
          'invalid_input',
          'the export scope has one imports chart for all languages; drop `language`',
        );
      // The curated set's chart is computed at export time and kept in its manifest.
      const rows = await (
        await engine.store.table('exports')
      )
        .query()
        .select(['out_dir', 'manifest', 'created_at'])
        .toArray();
      const latest = rows.sort((a, b) => (a.created_at < b.created_at ? 1 : -1))[0];
      if (!latest) return { rows: [], languages: {}, samples: 0, export: null };
      const m = JSON.parse(latest.manifest as string) as {
        imports?: { module: string; count: number }[];
        funnel?: { samples: number }[];
      };
      return {
        rows: (m.imports ?? []).filter((r) => r.count >= i.minCount),
        languages: {},
        samples: m.funnel?.at(-1)?.samples ?? 0,
        export: m.imports ? { outDir: latest.out_dir as string, createdAt: latest.created_at as string } : null,
      };
    }
    const { byId } = await ensureImports(engine.store);
    const ids: string[] = [];
    if (i.scope === 'source' && i.source) {
      for await (const r of engine.query.iterate({ source: i.source })) ids.push(r.id);
    } else pushAll(ids, engine.store.index.ids);
    const split = idsByLanguage(engine.store, ids);
    const languages = Object.fromEntries([...split].map(([l, list]) => [l, list.length]));
    const scoped = i.language ? (split.get(normalizeLanguage(i.language)) ?? []) : ids;
    return { rows: countImports(byId, scoped, i.minCount), languages, samples: scoped.length, export: null };
  },
  'stats.topics': async () => {
    const t = await engine.store.table('synth_results');
    const counts = new Map<
      string,
      { kind: 'textbook' | 'exercises'; topic: string; stored: number; rejected: number }
    >();
    for await (const b of t.query().where(`status != 'failed'`).select(['kind', 'status', 'metadata'])) {
      const kind = b.getChild('kind')!;
      const status = b.getChild('status')!;
      const meta = b.getChild('metadata')!;
      for (let j = 0; j < b.numRows; j++) {
        const topic = (JSON.parse(meta.get(j)) as { synthetic?: { topic?: string } }).synthetic?.topic ?? '(none)';
        const key = `${kind.get(j)}\u0000${topic}`;
        const c = counts.get(key) ?? { kind: kind.get(j), topic, stored: 0, rejected: 0 };
        if (status.get(j) === 'stored') c.stored++;
        else c.rejected++;
        counts.set(key, c);
      }
    }
    return [...counts.values()].sort((a, b) =>
      a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : b.stored - a.stored || (a.topic < b.topic ? -1 : 1),
    );
  },
});
