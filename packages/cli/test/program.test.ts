// The program runs in-process too, writing to the streams it is given.
import { describe, expect, it } from "vitest";
import { run } from "../src/program.js";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s), isTTY: false },
      env: {},
    },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

describe("run()", () => {
  it("returns 0 and writes help to the given stdout", async () => {
    const c = capture();
    expect(await run(["node", "attnscope", "--help"], c.io)).toBe(0);
    expect(c.out()).toMatch(/Usage: attnscope/);
  });
  it("returns 1 with one error line for bad input", async () => {
    const c = capture();
    expect(await run(["node", "attnscope", "detect", "--threshold", "x"], c.io)).toBe(1);
    expect(c.err()).toBe('attnscope: error: --threshold must be a number, got "x"\n');
    expect(c.out()).toBe("");
  });
});
