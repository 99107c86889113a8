import { useApp } from '../../state/app-slice.js';
import { EmptyState } from '../../ui/widgets.js';
import { CurrentDataset } from './current-dataset.js';
import { ImportCard } from './import-card.js';
import { LabelFilesCard } from './label-files-card.js';
import { OpenCard } from './open-card.js';

/** Open or create dataset folders, import into the current one, see what failed to import. */
export function DatasetsView() {
  const { dataset, mode, settings, demoSamplesPath, counts } = useApp();
  return (
    <div className="page datasets" data-testid="datasets-view">
      <div className="page-grid">
        <div className="col">
          {dataset ? (
            <CurrentDataset />
          ) : (
            <section className="card">
              <EmptyState icon="◇" title="Open or create a dataset to begin">
                <p>
                  A dataset is one folder (embedded LanceDB). Create an empty one, then import a folder of code or the
                  demo dataset.
                </p>
              </EmptyState>
            </section>
          )}
          {dataset && <ImportCard />}
          {dataset && <LabelFilesCard />}
          {dataset && counts?.total === 0 && demoSamplesPath && (
            <p className="muted small pad-x">
              Tip: import the bundled demo (346 labeled Python snippets) to try everything offline.
            </p>
          )}
        </div>
        <div className="col">
          <OpenCard mode={mode} />
          <section className="card">
            <header className="card-head">
              <h3>Recent</h3>
            </header>
            {settings?.recent.length ? (
              <ul className="recent">
                {settings.recent.map((d) => (
                  <li key={d}>
                    <button
                      className={`recent-item${d === dataset?.dir ? ' current' : ''}`}
                      onClick={() =>
                        void useApp
                          .getState()
                          .openDataset(d, false)
                          .catch((e) => alert((e as Error).message))
                      }
                    >
                      <span className="recent-name">{d.split(/[\\/]/).pop()}</span>
                      <span className="muted small mono">{d}</span>
                    </button>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted small">Datasets you open appear here.</p>
            )}
          </section>
        </div>
      </div>
    </div>
  );
}
