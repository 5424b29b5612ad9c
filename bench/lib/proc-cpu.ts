/**
 * CPU time of processes from /proc (Linux), for benchmarks that run their subjects as child
 * processes. A child's own /proc entry vanishes when it exits, so the CPU of children that run to
 * their end is read from this process's cutime + cstime: the CPU of every child it has reaped
 * (Node reaps a child when it exits), taken before the children start and after they all exited.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticks: number | undefined;
/** Clock ticks per second of /proc/PID/stat's times (100 on Linux almost always). */
function clockTicks(): number {
  if (ticks === undefined) {
    const out = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    ticks = Number(out) > 0 ? Number(out) : 100;
  }
  return ticks;
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces): index 0 is field 3, the state. */
function statFields(pid: number | 'self'): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU time of a running process, in milliseconds. */
export function processCpuMs(pid: number): number {
  const f = statFields(pid);
  // utime and stime are fields 14 and 15 (1-based), so 11 and 12 here.
  return ((Number(f[11]) + Number(f[12])) / clockTicks()) * 1000;
}

/** User + system CPU time of this process's reaped children (cutime + cstime), in milliseconds. */
export function reapedChildrenCpuMs(): number {
  const f = statFields('self');
  // cutime and cstime are fields 16 and 17 (1-based).
  return ((Number(f[13]) + Number(f[14])) / clockTicks()) * 1000;
}
