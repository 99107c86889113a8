// Electron's entry: the shell runs from its TypeScript sources through tsx, so the engine's
// resource paths (prompts, demo data, grammars) stay relative to the checkout.
// NOTE: the app:// scheme must be registered before Electron's `ready`, so it happens here,
// synchronously, before the (asynchronous) TypeScript import.
import { protocol } from 'electron';
import { register } from 'tsx/esm/api';
import scheme from './app-scheme.json' with { type: 'json' };

protocol.registerSchemesAsPrivileged([{ scheme: scheme.scheme, privileges: scheme.privileges }]);
register();
await import('./main.ts');
