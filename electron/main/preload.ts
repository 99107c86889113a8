import { contextBridge, ipcRenderer } from 'electron';
import { createStudioBridge } from './bridge.js';

// Sandboxed preload (bundled to one CommonJS file): the page gets window.studio = { invoke, on }.
contextBridge.exposeInMainWorld('studio', createStudioBridge(ipcRenderer));
