// One-click unsubscribe: signed per-recipient links and the endpoint they point at.
export { makeUnsubscribeToken, verifyUnsubscribeToken, unsubscribeUrl } from './token.ts';
export { startUnsubscribeServer, type UnsubscribeServer, type UnsubscribeServerOptions, type UnsubscribeEvent } from './server.ts';
