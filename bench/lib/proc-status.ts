import { readFileSync } from 'node:fs';

/** Memory figures of one process from `/proc/<pid>/status`, in bytes (Linux only). */
export interface ProcMemory {
  /** Resident set now (`VmRSS`). */
  rss: number;
  /** Peak resident set since the process started (`VmHWM`): the figure the kernel keeps, so no sample is missed. */
  peakRss: number;
}

/** `undefined` once the process is gone (or off Linux). */
export function procMemory(pid: number): ProcMemory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : 0;
  };
  return { rss: kib('VmRSS'), peakRss: kib('VmHWM') };
}

export const MiB = 1024 * 1024;

/**
 * CPU time the process has used so far (user + system, ms), from
 * `/proc/<pid>/stat`; `undefined` once it is gone. Unlike throughput, CPU time
 * per request hardly moves when neighbours take the cores, so it tells what
 * something costs on a shared machine. Assumes the usual 100 ticks per second.
 */
export function procCpuMs(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) * 10 : undefined;
}
