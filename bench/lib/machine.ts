import { cpus, platform, release, totalmem, arch, loadavg } from 'node:os';

export interface Machine {
  cpuModel: string;
  cpuCount: number;
  os: string;
  arch: string;
  memoryGB: number;
  node: string;
  /** 1-minute load average when the run started: how busy the shared machine was. */
  loadAverage1m: number;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpuCount: list.length,
    os: `${platform()} ${release()}`,
    arch: arch(),
    memoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
