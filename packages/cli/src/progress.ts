import cliProgress from "cli-progress";
import type { ProgressCallback, ProgressEvent } from "@attnscope/core";
import type { CliIO } from "./context.js";

const MB = 1024 * 1024;

/**
 * A progress callback that draws one bar per file on stderr, or undefined when bars are off. Bars are on
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
            ? `${verb(e.phase)} {file} |{bar}| {percentage}% {loadedMB}/{totalMB} MB`
            : `${verb(e.phase)} {file} {loadedMB} MB`,
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

function verb(phase: ProgressEvent["phase"]): string {
  return phase === "download" ? "Downloading" : phase === "read" ? "Reading" : "Parsing";
}

function mb(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

function shortName(file: string): string {
  return file.length > 48 ? `…${file.slice(-47)}` : file;
}
