// One-click unsubscribe: signed per-recipient links and the endpoint they point at.
export { startUnsubscribeServer, type UnsubscribeServer, type UnsubscribeServerOptions, type UnsubscribeEvent, type SuppressionMirror } from './server.ts';
