// attnscope train --save-at: the folders written on the way are the models a shorter run trains, byte for byte,
// and each one's log gives that shorter run's command.
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

const TINY = ["--d-model", "16", "--n-heads", "2", "--n-ctx", "64", "--batch", "2", "--seq-len", "32"];

describe("attnscope train --save-at", () => {
  it("writes <out>-stepN, identical to a run of --steps N, with that run's command in its log", async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), "attnscope-save-at-"));
    const long = await runCli([
      "train",
      ...TINY,
      "--steps",
      "6",
      "--eval-every",
      "2",
      "--save-at",
      "2,4",
      "--out",
      path.join(tmp, "long"),
    ]);
    expect(long.code, long.stderr).toBe(0);
    const short = await runCli([
      "train",
      ...TINY,
      "--steps",
      "4",
      "--eval-every",
      "2",
      "--out",
      path.join(tmp, "short"),
    ]);
    expect(short.code, short.stderr).toBe(0);
    const read = (dir: string, f: string) => readFileSync(path.join(tmp, dir, f));
    expect(read("long-step4", "model.safetensors").equals(read("short", "model.safetensors"))).toBe(true);
    expect(read("long-step4", "model.safetensors").equals(read("long", "model.safetensors"))).toBe(false);
    const log = JSON.parse(read("long-step4", "training-log.json").toString("utf8"));
    expect(log.command).toBe(
      `attnscope train ${TINY.join(" ")} --steps 4 --eval-every 2 --out ${path.join(tmp, "long")}`,
    );
    expect(log.stepsDone).toBe(4);
    expect(log.losses).toHaveLength(4);
    expect(log.evals.map((e: { step: number }) => e.step)).toEqual([0, 2, 4]);
    const shortLog = JSON.parse(read("short", "training-log.json").toString("utf8"));
    expect(log.losses).toEqual(shortLog.losses);
    expect(JSON.parse(read("long-step2", "training-log.json").toString("utf8")).stepsDone).toBe(2);
  });

  it("refuses a step at or after the last", async () => {
    const r = await runCli(["train", ...TINY, "--steps", "4", "--save-at", "4", "--out", path.join(os.tmpdir(), "x")]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--save-at 4: not before the last step \(--steps 4\)/);
  });
});
