import { useState } from 'react';
import type { StudioInput } from '../../../shared/contract/app.js';
import { useApp } from '../../state/app-slice.js';
import { Modal } from '../../ui/widgets.js';

/** Annotator name, endpoint, model; the API key is write-only (the renderer only learns if one is set). */
export function SettingsDialog() {
  const { settings, mode } = useApp();
  const close = () => useApp.getState().setSettingsOpen(false);
  const [annotator, setAnnotator] = useState(settings?.annotator ?? '');
  const [endpoint, setEndpoint] = useState(settings?.endpoint ?? '');
  const [model, setModel] = useState(settings?.model ?? '');
  const [workers, setWorkers] = useState(String(settings?.workers ?? ''));
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const save = async (extra: { apiKey?: string } = {}) => {
    setError(null);
    setSaved(false);
    try {
      const n = Number(workers);
      if (!Number.isInteger(n) || n < 1)
        throw new Error(`Workers must be a whole number of at least 1, got "${workers}"`);
      await useApp
        .getState()
        .updateSettings({ annotator: annotator.trim() || undefined, endpoint, model, workers: n, ...extra });
      setApiKey('');
      setSaved(true);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <Modal title="Settings" onClose={close} testId="settings-dialog">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void save(apiKey ? { apiKey } : {});
        }}
      >
        <label className="field">
          <span>Annotator name</span>
          <input
            value={annotator}
            onChange={(e) => setAnnotator(e.target.value)}
            placeholder="your name"
            data-testid="annotator-input"
            autoFocus
          />
          <small className="muted">Stored with every label you make.</small>
        </label>
        <label className="field">
          <span>LLM endpoint</span>
          <input
            value={endpoint}
            onChange={(e) => setEndpoint(e.target.value)}
            placeholder="https://api.openai.com/v1 (default) or any OpenAI-compatible server"
          />
        </label>
        <label className="field">
          <span>Model</span>
          <input value={model} onChange={(e) => setModel(e.target.value)} placeholder="gpt-4o-mini" />
        </label>
        <label className="field">
          <span>Workers</span>
          <input
            type="number"
            min={1}
            step={1}
            value={workers}
            onChange={(e) => setWorkers(e.target.value)}
            data-testid="workers-input"
          />
          <small className="muted">
            Threads for parsing, token counts, embedding, scoring and prompts in the jobs you start here (default: every
            core).
          </small>
        </label>
        <div className="field">
          <span>API key</span>
          {settings?.apiKeyWritable ? (
            <div className="row gap">
              <input
                type="password"
                value={apiKey}
                onChange={(e) => setApiKey(e.target.value)}
                placeholder={settings.hasApiKey ? '•••••••• stored (type to replace)' : 'sk-…'}
                autoComplete="off"
              />
              {settings.hasApiKey && (
                <button type="button" className="btn" onClick={() => void save({ apiKey: '' })}>
                  Remove
                </button>
              )}
            </div>
          ) : (
            <p className="muted small">
              {settings?.hasApiKey ? 'A key is set in the environment.' : 'No key set.'}{' '}
              {mode === 'browser'
                ? 'In browser mode the key comes from OPENAI_API_KEY in the environment of `tbs serve`.'
                : 'Secure storage is unavailable on this system.'}
            </p>
          )}
          <small className="muted">Encrypted with the OS keychain; never shown again, never sent to this window.</small>
        </div>
        <NamedEndpoints />
        <p className="muted small">Theme follows your system (light / dark).</p>
        {error && <p className="error-text">{error}</p>}
        <div className="row gap end">
          {saved && <span className="ok-text">Saved</span>}
          <button type="button" className="btn" onClick={close}>
            Close
          </button>
          <button type="submit" className="btn btn-primary" data-testid="settings-save">
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}

/**
 * Further endpoints an LLM job may pick by name (Train → LLM labeling). Each keeps its own key,
 * sent only to its own URL; the renderer never sees a key.
 */
function NamedEndpoints() {
  const settings = useApp((s) => s.settings);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const list = settings?.endpoints ?? [];
  const update = async (patch: StudioInput<'settings.update'>) => {
    setError(null);
    try {
      await useApp.getState().updateSettings(patch);
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    }
  };
  return (
    <div className="field" data-testid="named-endpoints">
      <span>Other endpoints</span>
      {list.length === 0 ? (
        <small className="muted">None. Add one to label with another server (a local vLLM, another provider).</small>
      ) : (
        <ul className="plain-list">
          {list.map((e) => (
            <li key={e.name} className="row gap">
              <strong>{e.name}</strong>
              <span className="muted small">{e.url}</span>
              <span className="muted small">{e.hasApiKey ? 'key stored' : 'no key'}</span>
              <span className="spacer" />
              <button type="button" className="btn" onClick={() => void update({ removeEndpoint: e.name })}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="row gap">
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="name, e.g. local"
          aria-label="endpoint name"
        />
        <input
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="http://127.0.0.1:8000/v1"
          aria-label="endpoint URL"
        />
        {settings?.apiKeyWritable && (
          <input
            type="password"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            placeholder="its API key (optional)"
            autoComplete="off"
            aria-label="endpoint API key"
          />
        )}
        <button
          type="button"
          className="btn"
          disabled={!name.trim() || !url.trim()}
          onClick={async () => {
            if (
              await update({ saveEndpoint: { name: name.trim(), url: url.trim(), ...(key ? { apiKey: key } : {}) } })
            ) {
              setName('');
              setUrl('');
              setKey('');
            }
          }}
        >
          Add
        </button>
      </div>
      {error && <p className="error-text">{error}</p>}
    </div>
  );
}
