/** The benchmark's rows and the specification of one child process's work. */
import type { EngineName, Mode } from "./engines.js";
import type { Timing } from "./measure.js";
import type { BenchConfigName } from "./random-model.js";

/** Per-process figures behind a row merged over `--repeat` processes. */
export interface RepeatSummary {
  /** Each process's median, in the order the processes ran. */
  medians_ms: number[];
  /** (max − min) of the medians ÷ their median, in percent. */
  range_pct: number;
  /** The largest p90 / p10 of any one process. */
  worst_p90_p10: number;
}

/**
 * One case's figures. With --repeat, `median_ms` is the median of the processes' medians, p10 / p90 the
 * medians of theirs, `outliers` and `runs` their sums.
 */
export interface Row extends Timing {
  engine: EngineName;
  label: string;
  threads: number;
  T: number;
  mode: Mode | "unembed";
  /** The model, when not the default attn-only-2l-half. */
  config?: BenchConfigName;
  gflops: number;
  peak_rss_mb: number;
  build?: string;
  note?: string;
  repeat?: RepeatSummary;
}

export interface GroupSpec {
  /** The random model's config. @default "attn-only-2l-half" */
  config?: BenchConfigName;
  engine: EngineName;
  threads: number;
  relaxed: boolean;
  Ts: number[];
  modes: Mode[];
  quick: boolean;
  /** Skip the separate unembedding measurement (it holds a second copy of W_U). */
  noUnembed?: boolean;
}
