import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PyDict, PyTuple, unpickle } from "../../src/weights/pickle.js";
import { readPth } from "../../src/weights/pth.js";
import { parseWeights } from "../../src/weights/load.js";
import { PickleWriter, torchStateDictPickle } from "../helpers/pickle-writer.js";
import { pthWithPickle } from "../helpers/torch-zip.js";

const hex = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));

const work = mkdtempSync(path.join(tmpdir(), "attnscope-pickle-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Does a Python interpreter exist here (to show the hostile pickles are real)? */
const python = (() => {
  try {
    execFileSync("python3", ["-c", "import pickle"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** Hostile pickles, each of which creates `marker` when Python's pickle.loads runs it. */
function hostile(marker: string): Record<string, { global: string; bytes: Uint8Array }> {
  const touch = `touch ${marker}`;
  return {
    "os.system via GLOBAL": {
      global: "os.system",
      bytes: new PickleWriter().proto(2).global("os", "system").str(touch).tuple1().reduce().stop().bytes(),
    },
    "builtins.eval via GLOBAL": {
      global: "builtins.eval",
      bytes: new PickleWriter()
        .proto(2)
        .global("builtins", "eval")
        .str(`open(${JSON.stringify(marker)}, "w").close()`)
        .tuple1()
        .reduce()
        .stop()
        .bytes(),
    },
    "posix.system via STACK_GLOBAL": {
      global: "posix.system",
      bytes: new PickleWriter().proto(4).stackGlobal("posix", "system").str(touch).tuple1().reduce().stop().bytes(),
    },
    "subprocess.Popen via INST": {
      global: "subprocess.Popen",
      bytes: new PickleWriter()
        .proto(2)
        .mark()
        .mark()
        .str("touch")
        .str(marker)
        .tuple()
        .inst("subprocess", "Popen")
        .stop()
        .bytes(),
    },
    // A real-looking state dict whose second value is the payload: refusal must not depend on position.
    "os.system inside a state dict": {
      global: "os.system",
      bytes: (() => {
        const w = new PickleWriter().proto(2).global("collections", "OrderedDict").emptyTuple().reduce().mark();
        w.str("embed.W_E").global("torch._utils", "_rebuild_tensor_v2").mark();
        w.mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").int(4).tuple().binpersid();
        w.int(0)
          .ints([2, 2])
          .ints([2, 1])
          .bool(false)
          .global("collections", "OrderedDict")
          .emptyTuple()
          .reduce()
          .tuple()
          .reduce();
        w.str("blocks.0.attn.W_Q").global("os", "system").str(touch).tuple1().reduce();
        return w.setitems().stop().bytes();
      })(),
    },
  };
}

describe("the pickle reader refuses any global outside the state-dict allowlist, and runs nothing", () => {
  const cases = Object.entries(hostile(path.join(work, "PLACEHOLDER")));
  for (const [name] of cases) {
    it(`refuses ${name}`, () => {
      const marker = path.join(work, name.replace(/\W+/g, "_"));
      const { global, bytes } = hostile(marker)[name];
      const file = pthWithPickle(bytes, "model");
      expect(() => readPth(file, "model.pth")).toThrow(
        `model.pth: refusing to load: the pickle names the global '${global}', which a state dict never needs`,
      );
      expect(() => parseWeights(file, "evil.pth")).toThrow(/^evil\.pth: refusing to load/);
      expect(existsSync(marker)).toBe(false);
    });
  }

  it.skipIf(!python)(
    "(control) the same pickles do create their marker file when Python's pickle.loads runs them",
    () => {
      for (const name of ["os.system via GLOBAL", "builtins.eval via GLOBAL", "posix.system via STACK_GLOBAL"]) {
        const marker = path.join(work, `control_${name.replace(/\W+/g, "_")}`);
        const pkl = path.join(work, "control.pkl");
        writeFileSync(pkl, hostile(marker)[name].bytes);
        execFileSync("python3", ["-c", "import pickle,sys; pickle.loads(open(sys.argv[1],'rb').read())", pkl], {
          stdio: "ignore",
        });
        expect(existsSync(marker), name).toBe(true);
      }
    },
  );

  it("refuses at the GLOBAL opcode, before any storage is requested or any call is made", () => {
    const loads: unknown[] = [];
    const w = new PickleWriter().proto(2).global("builtins", "eval").str("1").tuple1().reduce().stop();
    expect(() => unpickle(w.bytes(), { source: "x.pkl", persistentLoad: (pid) => loads.push(pid) })).toThrow(
      "names the global 'builtins.eval'",
    );
    expect(loads).toEqual([]);
  });

  it("refuses copyreg extension codes and unknown opcodes", () => {
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x82, 1, 0x29, 0x52, 0x2e]), { source: "x.pkl" })).toThrow(
      /x\.pkl: refusing to load: .*extension registry/,
    );
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0xff, 0x2e]), { source: "x.pkl" })).toThrow(
      "x.pkl: unknown pickle opcode 0xff at byte 2",
    );
  });

  it("refuses to call an allowlisted name that is not a function (a storage class)", () => {
    const w = new PickleWriter().proto(2).global("torch", "FloatStorage").emptyTuple().reduce().stop();
    expect(() => unpickle(w.bytes(), { source: "x.pkl" })).toThrow("x.pkl: 'torch.FloatStorage' cannot be called");
  });

  it("reports a truncated pickle", () => {
    const full = torchStateDictPickle([
      ["w", { storageKey: "0", storageDtype: "float32", storageNumel: 2, offset: 0, shape: [2], stride: [1] }],
    ]);
    expect(() => unpickle(full.subarray(0, 60), { source: "x.pkl", persistentLoad: () => ({}) })).toThrow(
      /^x\.pkl: pickle data ends/,
    );
  });
});

describe("the pickle reader understands protocols 0-5", () => {
  // Python: pickle.dumps(OrderedDict([('a', 1), ('b', 2.5), ('c', 'héllo'), ('d', (1, 2**70, -3)),
  //   ('e', [True, False, None]), ('f', {'x': b'\x00\x01', 'y': -70000})]), protocol=p)
  const written: Record<number, string> = {
    0: "63636f6c6c656374696f6e730a4f726465726564446963740a70300a28745270310a56610a70320a49310a7356620a70330a46322e350a7356630a70340a5668e96c6c6f0a70350a7356640a70360a2849310a4c313138303539313632303731373431313330333432344c0a492d330a7470370a7356650a70380a286c70390a4930310a614930300a614e617356660a7031300a28647031310a56780a7031320a635f636f646563730a656e636f64650a7031330a28565c7530303030010a7031340a566c6174696e310a7031350a747031360a527031370a7356790a7031380a492d37303030300a73732e",
    2: "800263636f6c6c656374696f6e730a4f726465726564446963740a7100295271012858010000006171024b0158010000006271034740040000000000005801000000637104580600000068c3a96c6c6f710558010000006471064b018a090000000000000000404afdffffff87710758010000006571085d71092888894e65580100000066710a7d710b28580100000078710c635f636f646563730a656e636f64650a710d58020000000001710e58060000006c6174696e31710f86711052711158010000007971124a90eefeff75752e",
    3: "800363636f6c6c656374696f6e730a4f726465726564446963740a7100295271012858010000006171024b0158010000006271034740040000000000005801000000637104580600000068c3a96c6c6f710558010000006471064b018a090000000000000000404afdffffff87710758010000006571085d71092888894e65580100000066710a7d710b28580100000078710c43020001710d580100000079710e4a90eefeff75752e",
    4: "80049581000000000000008c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c0161944b018c0162944740040000000000008c0163948c0668c3a96c6c6f948c0164944b018a090000000000000000404afdffffff87948c0165945d942888894e658c0166947d94288c01789443020001948c0179944a90eefeff75752e",
    5: "80059581000000000000008c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c0161944b018c0162944740040000000000008c0163948c0668c3a96c6c6f948c0164944b018a090000000000000000404afdffffff87948c0165945d942888894e658c0166947d94288c01789443020001948c0179944a90eefeff75752e",
  };
  for (const [protocol, h] of Object.entries(written)) {
    it(`reads an OrderedDict pickled by Python with protocol ${protocol}`, () => {
      const v = unpickle(hex(h), { source: `p${protocol}.pkl` });
      expect(v).toBeInstanceOf(PyDict);
      const d = (v as PyDict).map;
      expect([...d.keys()]).toEqual(["a", "b", "c", "d", "e", "f"]);
      expect(d.get("a")).toBe(1);
      expect(d.get("b")).toBe(2.5);
      expect(d.get("c")).toBe("héllo");
      expect((d.get("d") as PyTuple).items).toEqual([1, 2n ** 70n, -3]);
      expect(d.get("e")).toEqual([true, false, null]);
      const f = (d.get("f") as PyDict).map;
      expect([...(f.get("x") as Uint8Array)]).toEqual([0, 1]);
      expect(f.get("y")).toBe(-70000);
    });
  }

  it("reads a torch state dict written with STACK_GLOBAL (protocol 4 style)", () => {
    const w = new PickleWriter().proto(4).stackGlobal("collections", "OrderedDict").emptyTuple().reduce().mark();
    w.str("w").stackGlobal("torch._utils", "_rebuild_tensor_v2").mark();
    w.mark().str("storage").stackGlobal("torch", "FloatStorage").str("0").str("cpu").int(3).tuple().binpersid();
    w.int(0)
      .ints([3])
      .ints([1])
      .bool(false)
      .stackGlobal("collections", "OrderedDict")
      .emptyTuple()
      .reduce()
      .tuple()
      .reduce();
    const v = unpickle(w.setitems().stop().bytes(), {
      persistentLoad: (pid) => ({
        kind: "storage",
        key: (pid as PyTuple).items[2],
        dtype: "float32",
        numel: 3,
        location: "cpu",
      }),
    }) as PyDict;
    expect(v.map.get("w")).toMatchObject({ kind: "tensor", offset: 0, shape: [3], stride: [1], storage: { key: "0" } });
  });
});
