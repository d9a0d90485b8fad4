// Hostile and damaged weight files (generators in helpers/hostile.ts): each one is refused with a WeightsError that
// names the file and says what is wrong, well within a second, and nothing of it is allocated or printed in full.
import { describe, expect, it } from "vitest";
import { WeightsError } from "../../src/weights/errors.js";
import { parseWeights } from "../../src/weights/load.js";
import { PyDict, PyTuple, repr, unpickle } from "../../src/weights/pickle.js";
import { readPth } from "../../src/weights/pth.js";
import {
  HOSTILE_PICKLES,
  HOSTILE_SAFETENSORS,
  HOSTILE_ZIPS,
  billionLaughs,
  type HostileCase,
} from "../helpers/hostile.js";
import { describeWithFixtures, readFixture } from "../helpers/fixtures.js";

/** Load `c`, expecting a WeightsError; returns it and the CPU time the load took (immune to other processes' load). */
function refuse(c: HostileCase): { error: WeightsError; ms: number } {
  const bytes = c.bytes();
  const t0 = process.cpuUsage();
  let error: unknown;
  try {
    parseWeights(bytes, c.file);
  } catch (e) {
    error = e;
  }
  const used = process.cpuUsage(t0);
  const ms = (used.user + used.system) / 1000;
  expect(error, `${c.file} should be refused`).toBeInstanceOf(WeightsError);
  return { error: error as WeightsError, ms };
}

function checkMessage(c: HostileCase, e: WeightsError): void {
  expect(e.message.startsWith(`${c.file}: `) || e.message.startsWith(`${c.file} `), e.message).toBe(true);
  expect(e.file).toBe(c.file);
  expect(e.message).toMatch(c.error);
  expect(e.message).not.toMatch(/\[object Object\]|undefined|""/);
  // Bounded whatever the file holds: no message prints a huge or exponentially shared value.
  expect(e.message.length, e.message.slice(0, 300)).toBeLessThan(600);
}

for (const [group, cases] of Object.entries({
  pickle: HOSTILE_PICKLES,
  zip: HOSTILE_ZIPS,
  safetensors: HOSTILE_SAFETENSORS,
})) {
  describe(`hostile ${group} files are refused quickly and by name`, () => {
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        const { error, ms } = refuse(c);
        checkMessage(c, error);
        // A hang guard, not a speed target: each of these used to take seconds, exhaust memory or never finish;
        // now each takes milliseconds of CPU time (at most a few hundred for the 100k-deep nestings).
        expect(ms).toBeLessThan(1000);
      });
    }
  });
}

describe("values the pickle builds stay cheap to print, however they are shared", () => {
  const laughs = () => {
    const ops = [0x80, 0x02, ...billionLaughs(30), 0x2e];
    return unpickle(Uint8Array.from(ops), { source: "laughs.pkl" }) as PyTuple;
  };
  it("the billion-laughs tuple prints in a few characters with repr, String and JSON.stringify", () => {
    const t = laughs();
    expect(t).toBeInstanceOf(PyTuple);
    for (const s of [repr(t), String(t), `${t}`, JSON.stringify(t), JSON.stringify({ k: [t, t] })]) {
      expect(s.length).toBeLessThan(400);
      expect(s).toMatch(/^[[{"(]/);
    }
  });
  it("a dict keyed by the billion-laughs tuple keeps the key without printing it", () => {
    const ops = [0x80, 0x02, 0x7d, ...billionLaughs(30), 0x4e, 0x73, 0x2e];
    const d = unpickle(Uint8Array.from(ops), { source: "k.pkl" }) as PyDict;
    expect(d.map.size).toBe(1);
    expect(String(d).length).toBeLessThan(200);
  });
  it("BUILD cannot set __proto__ on a dict's attributes", () => {
    // OrderedDict(); BUILD with {"__proto__": {"polluted": 1}}
    const w = [
      0x80,
      0x02,
      0x7d,
      0x7d,
      0x58,
      9,
      0,
      0,
      0,
      ...new TextEncoder().encode("__proto__"),
      0x7d,
      0x58,
      8,
      0,
      0,
      0,
      ...new TextEncoder().encode("polluted"),
      0x4b,
      1,
      0x73,
      0x73,
      0x62,
      0x2e,
    ];
    const d = unpickle(Uint8Array.from(w), { source: "p.pkl" }) as PyDict;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(d.attrs)).toBe(null);
  });
});

describeWithFixtures(
  "a flipped byte in a downloaded fixture checkpoint is a corruption error, not different numbers",
  () => {
    for (const file of ["model.pth", "model-fp16.pth"]) {
      it(`${file}: a byte of a weight's data`, () => {
        const bytes = readFixture(file).slice();
        bytes[Math.floor(bytes.length / 2)] ^= 0x01;
        expect(() => readPth(bytes, file)).toThrow(
          new RegExp(
            `^${file.replace(".", "\\.")}: corrupted: zip entry "[^"]+/data/\\d+" \\(the storage of "[\\w.]+"\\) fails its CRC-32 check`,
          ),
        );
      });
    }
  },
);
