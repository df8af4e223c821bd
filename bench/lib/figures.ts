/** One reported number, with the baseline it is compared to and the target. */
export interface Figure {
  label: string;
  value: number;
  unit: string;
  /** The same figure for the plain node:http baseline in this run. */
  baseline?: number;
  /** value / baseline. */
  ratio?: number;
  /** e.g. `≥ 0.5× baseline`, `≤ 10 ms`. */
  target?: string;
  met?: boolean;
}

export interface ScenarioResult {
  name: string;
  title: string;
  figures: Figure[];
  /** Peak RSS (VmHWM) of each Sluice process of the scenario, MiB. */
  sluicePeakRssMiB: number[];
  notes: string[];
  /** Top self-time entries of the CPU profile, when `--cpu-prof` was given. */
  profile?: ProfileSummary;
  /** Everything measured, for the results file. */
  raw: Record<string, unknown>;
}

export interface ProfileEntry {
  what: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  byFunction: ProfileEntry[];
  byArea: ProfileEntry[];
}

export function figure(label: string, value: number, unit: string, extra: Omit<Figure, 'label' | 'value' | 'unit'> = {}): Figure {
  const f: Figure = { label, value: Math.round(value * 100) / 100, unit, ...extra };
  if (extra.baseline !== undefined && extra.baseline > 0 && f.ratio === undefined)
    f.ratio = Math.round((value / extra.baseline) * 100) / 100;
  return f;
}
