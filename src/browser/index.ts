export { blockOffMachine, launchBrowser } from './launch.ts';
