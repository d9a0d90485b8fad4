import cliProgress from "cli-progress";
import type { ProgressCallback, ProgressEvent } from "@attnscope/core";
import type { CliIO } from "./context.js";

const MB = 1024 * 1024;
const MIN_BAR_BYTES = 256 * 1024;

/**
 * A progress callback that draws one bar per downloaded file on stderr, or undefined when bars are off. Bars are on
 * when stderr is a terminal, or when `force` (--progress) asks for them; stdout stays clean for --json.
 */
export function progressBars(io: CliIO, force: boolean): { onProgress?: ProgressCallback; stop: () => void } {
  if (!force && !io.stderr.isTTY) return { stop: () => {} };
  let bar: cliProgress.SingleBar | null = null;
  let current = "";
  const stop = () => {
    bar?.stop();
    bar = null;
    current = "";
  };
  const onProgress = (e: ProgressEvent) => {
    // Only downloads take long enough to watch; a small file's bar would just flash.
    if (e.phase !== "download" || (e.total !== undefined && e.total < MIN_BAR_BYTES)) return;
    const key = `${e.phase} ${e.file}`;
    if (key !== current) {
      stop();
      current = key;
      bar = new cliProgress.SingleBar(
        {
          stream: io.stderr as NodeJS.WritableStream,
          noTTYOutput: !io.stderr.isTTY,
          notTTYSchedule: 1000,
          hideCursor: Boolean(io.stderr.isTTY),
          format: e.total
            ? `Downloading {file} |{bar}| {percentage}% {loadedMB}/{totalMB} MB`
            : `Downloading {file} {loadedMB} MB`,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(e.total ?? 0, 0, { file: shortName(e.file), loadedMB: "0.0", totalMB: mb(e.total ?? 0) });
    }
    bar!.update(e.loaded, { loadedMB: mb(e.loaded) });
    if (e.total !== undefined && e.loaded >= e.total) stop();
  };
  return { onProgress, stop };
}

function mb(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

function shortName(file: string): string {
  return file.length > 48 ? `…${file.slice(-47)}` : file;
}

/**
 * A bar for a long computation on stderr (`{label} |bar| 42% | phase | elapsed, left`), under the same rule as
 * download bars: shown when stderr is a terminal or with `--progress`. When stderr is not a terminal it prints a
 * plain line at most every few seconds (the computation is synchronous, so no timer could redraw a bar).
 * `update(done, total, phase)` moves it; `stop()` ends it.
 */
export function workBar(
  io: CliIO,
  force: boolean,
  label: string,
): { update: (done: number, total: number, phase?: string) => void; stop: () => void } {
  if (!force && !io.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const start = Date.now();
  const clock = (ms: number) => {
    const s = Math.round(ms / 1000);
    return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  };
  if (!io.stderr.isTTY) {
    let lastLine = 0;
    let last = "";
    const line = (done: number, total: number, phase: string) => {
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      const elapsed = Date.now() - start;
      const left = done > 0 && done < total ? `, ${clock((elapsed * (total - done)) / done)} left` : "";
      return `${label} ${pct}% | ${phase} | ${clock(elapsed)} elapsed${left}`;
    };
    return {
      update(done, total, phase = "") {
        last = line(done, total, phase);
        if (Date.now() - lastLine >= 5000 || lastLine === 0) {
          io.stderr.write(`${last}\n`);
          lastLine = Date.now();
        }
      },
      stop() {
        if (last) io.stderr.write(`${last.replace(/ \d+%/, " 100%").replace(/, [^,]* left$/, "")} — done\n`);
        last = "";
      },
    };
  }
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(done, total, phase = "") {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            stream: io.stderr as NodeJS.WritableStream,
            hideCursor: true,
            format: `${label} |{bar}| {percentage}% | {phase} | {duration_formatted} elapsed, {eta_formatted} left`,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { phase });
      }
      bar.setTotal(total);
      bar.update(done, { phase });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
