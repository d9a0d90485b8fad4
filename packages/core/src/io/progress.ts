/** Progress of a long load or download (the loaders' downloads, file reads and parsing). `total` is undefined when the server does not say. */
export interface ProgressEvent {
  phase: "download" | "read" | "parse";
  /** What is being loaded: a file name or URL. */
  file: string;
  loaded: number;
  total?: number;
  /** Set on the last event of a download that failed: why (e.g. "... stalled: no data for 30 s ..."). */
  error?: string;
}

export type ProgressCallback = (event: ProgressEvent) => void;
