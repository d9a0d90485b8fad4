/**
 * A small builder for ONNX graphs over `onnx-proto` (the ONNX schema compiled for protobufjs): nodes,
 * initializers, typed inputs and outputs with symbolic dimensions, then one `ModelProto` encoded to bytes.
 * It knows nothing of transformers; `export-onnx.ts` composes the model with it. Building needs no module:
 * only `encode` does, so what a graph can offer is known before `onnx-proto` is loaded.
 */
import type { onnx as OnnxNs } from "onnx-proto";
import { IS_LITTLE_ENDIAN } from "../../weights/dtypes.js";

/** The opset the graphs are written for (Softmax over one axis, Shape with start/end, Unsqueeze axes as input). */
export const ONNX_OPSET = 17;
/** IR version 8 is the one opset 17 needs and the newest `onnx-proto` 8.0.1 knows. */
const IR_VERSION = 8;

/** TensorProto.DataType codes used here. */
export const ElemType = { FLOAT: 1, BOOL: 9, INT64: 7, FLOAT16: 10 } as const;
export type ElemType = (typeof ElemType)[keyof typeof ElemType];

/** A dimension: a fixed size, or a symbolic name ("batch", "seq"), or null for one left unnamed. */
export type Dim = number | string | null;

export type AttrValue = number | number[] | string;

type OnnxModule = { onnx: typeof OnnxNs };

let onnxModule: Promise<OnnxModule> | undefined;

/** `onnx-proto` is loaded on first use, so importing the core costs nothing for users who never export. */
export function loadOnnxProto(): Promise<OnnxModule> {
  // The package is CommonJS: its exports arrive as the default export under ESM.
  onnxModule ??= import("onnx-proto").then((m) => ((m as { default?: OnnxModule }).default ?? m) as OnnxModule);
  return onnxModule;
}

function bytesOf(data: Float32Array | Uint16Array | BigInt64Array | Uint8Array): Uint8Array {
  if (!IS_LITTLE_ENDIAN)
    throw new Error("ONNX export needs a little-endian platform (raw tensor data is little-endian)");
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

interface PendingNode {
  op: string;
  inputs: string[];
  output: string;
  attrs: Record<string, AttrValue>;
}

export class OnnxGraphBuilder {
  private readonly nodes: PendingNode[] = [];
  private readonly initializers: OnnxNs.ITensorProto[] = [];
  private readonly inputs: OnnxNs.IValueInfoProto[] = [];
  private readonly outputs: OnnxNs.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /** A fresh value name under `prefix` (intermediate values never collide with hook names or each other). */
  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}/${this.counter++}`;
    while (this.names.has(name));
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX graph: value "${name}" is defined twice`);
    this.names.add(name);
    return name;
  }

  /** One node with one output; `out` defaults to a fresh name under the op type. Returns the output's name. */
  node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    const output = this.claim(out ?? this.fresh(op));
    this.nodes.push({ op, inputs, output, attrs });
    return output;
  }

  /** A constant tensor stored in the file; its bytes are referenced, not copied, until `encode`. */
  initializer(
    name: string,
    dims: readonly number[],
    elemType: ElemType,
    data: Float32Array | Uint16Array | BigInt64Array | Uint8Array,
  ): string {
    this.initializers.push({ name: this.claim(name), dims: [...dims], dataType: elemType, rawData: bytesOf(data) });
    return name;
  }

  /** An int64 constant (shapes, axes, indices). */
  int64(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.initializer(
      name,
      dims,
      ElemType.INT64,
      BigInt64Array.from(values, (v) => BigInt(v)),
    );
  }

  /** A float32 scalar constant. */
  scalar(name: string, value: number): string {
    return this.initializer(name, [], ElemType.FLOAT, Float32Array.of(value));
  }

  private valueInfo(name: string, elemType: ElemType, dims: readonly Dim[]): OnnxNs.IValueInfoProto {
    return {
      name,
      type: {
        tensorType: {
          elemType,
          shape: {
            dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : d === null ? {} : { dimParam: d })),
          },
        },
      },
    };
  }

  input(name: string, elemType: ElemType, dims: readonly Dim[]): string {
    this.inputs.push(this.valueInfo(this.claim(name), elemType, dims));
    return name;
  }

  /** Declare an existing value as a graph output. */
  output(name: string, elemType: ElemType, dims: readonly Dim[]): void {
    if (!this.names.has(name)) throw new Error(`ONNX graph: output "${name}" is not computed by any node`);
    this.outputs.push(this.valueInfo(name, elemType, dims));
  }

  /** Whether a value of this name exists (an input, an initializer or a node's output). */
  has(name: string): boolean {
    return this.names.has(name);
  }

  /** The serialized ModelProto (`onnx` from `loadOnnxProto`). */
  encode(
    onnx: typeof OnnxNs,
    meta: { graphName: string; producerVersion?: string; docString?: string; metadata?: Record<string, string> },
  ) {
    const { ModelProto, AttributeProto } = onnx;
    const { STRING, INTS, INT, FLOAT } = AttributeProto.AttributeType;
    const attribute = (attrs: Record<string, AttrValue>) =>
      Object.entries(attrs).map(([name, v]): OnnxNs.IAttributeProto => {
        if (typeof v === "string") return { name, type: STRING, s: new TextEncoder().encode(v) };
        if (Array.isArray(v)) return { name, type: INTS, ints: v };
        if (Number.isInteger(v)) return { name, type: INT, i: v };
        return { name, type: FLOAT, f: v };
      });
    const model: OnnxNs.IModelProto = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: "", version: ONNX_OPSET }],
      producerName: "attnscope",
      producerVersion: meta.producerVersion,
      docString: meta.docString,
      metadataProps: Object.entries(meta.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: meta.graphName,
        node: this.nodes.map((n) => ({
          opType: n.op,
          input: n.inputs,
          output: [n.output],
          name: n.output,
          attribute: attribute(n.attrs),
        })),
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return ModelProto.encode(model).finish();
  }
}
