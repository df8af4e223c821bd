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
