export { CLIENT_WIDTHS, CLIENTS, clientModes, renderInClients, type ClientProblem, type ClientsOptions, type ClientsResult } from './run.ts';
export { renderInThunderbird, thunderbirdMissing, thunderbirdPath, THUNDERBIRD_INSTALL, type ThunderbirdOptions } from './thunderbird.ts';
export { EVOLUTION_INSTALL, evolutionMissing, renderInEvolution } from './evolution.ts';
export { thunderbirdPrefs } from './thunderbird-profile.ts';
export { connectMarionette, MarionetteError, type Marionette } from './marionette.ts';
export type { ClientId, ClientMode, ClientShot, RenderedButton, RenderedMeasure, RenderedText, Scheme } from './types.ts';
