/** The one invoke channel and the one event channel between the window and the main process. */
export const INVOKE_CHANNEL = 'studio:invoke';
export const EVENT_CHANNEL = 'studio:event';
