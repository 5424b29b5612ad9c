export { CLIENTS, shotName } from './names.ts';
export { clientModes, renderInClients, type ClientProblem, type ClientsOptions, type ClientsResult } from './run.ts';
export { renderInThunderbird, thunderbirdMissing, THUNDERBIRD_INSTALL, type ThunderbirdOptions } from './thunderbird.ts';
export { EVOLUTION_INSTALL, evolutionMissing, renderInEvolution } from './evolution.ts';
export { stopEverything } from './processes.ts';
export type { ClientFailure, ClientId, ClientMode, ClientRun, ClientShot, RenderedButton, RenderedMeasure, RenderedText, Scheme } from './types.ts';
