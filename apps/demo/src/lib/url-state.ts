/**
 * The view's state in the page's URL (query string), so a link reproduces what its sender saw: model,
 * text, live-view engine, threshold, selected head, ablated heads and mode, and the panel in view. Only values that differ
 * from the defaults are written, so the plain address stays plain.
 */
import {
  DEFAULT_THRESHOLD,
  ENGINE_CHOICES,
  isRegistryChoice,
  type AblationMode,
  type EngineChoice,
  type RegistryChoice,
} from "../model/protocol.js";
import { SEED_TEXT } from "../seed.js";
import { parseHead } from "./heads.js";

export const PANELS = ["patterns", "detectors", "custom", "induction", "ablation", "circuit", "training"] as const;
export type PanelId = (typeof PANELS)[number];

export interface ViewState {
  model: RegistryChoice;
  /** The live view's engine. */
  engine: EngineChoice;
  text: string;
  threshold: number;
  /** "layer.head", or null for the first head. */
  head: string | null;
  ablate: string[];
  mode: AblationMode;
  panel: PanelId | null;
}

export const DEFAULT_VIEW: ViewState = {
  model: "default",
  engine: "kernels",
  text: SEED_TEXT,
  threshold: DEFAULT_THRESHOLD,
  head: null,
  ablate: [],
  mode: "zero",
  panel: null,
};

export function readViewState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const v: ViewState = { ...DEFAULT_VIEW };
  const model = q.get("model");
  if (isRegistryChoice(model)) v.model = model;
  const engine = q.get("engine");
  if (engine && (ENGINE_CHOICES as readonly string[]).includes(engine)) v.engine = engine as EngineChoice;
  const text = q.get("text");
  if (text !== null) v.text = text;
  const th = Number(q.get("threshold"));
  if (q.has("threshold") && Number.isFinite(th) && th >= 0 && th <= 1) v.threshold = th;
  const head = q.get("head");
  if (head && parseHead(head)) v.head = head;
  const ablate = q.get("ablate");
  if (ablate) v.ablate = [...new Set(ablate.split(/[ ,]+/).filter((h) => parseHead(h)))];
  if (q.get("mode") === "mean") v.mode = "mean";
  const panel = q.get("panel");
  if (panel && (PANELS as readonly string[]).includes(panel)) v.panel = panel as PanelId;
  return v;
}

export function writeViewState(v: ViewState): string {
  const q = new URLSearchParams();
  if (v.model !== DEFAULT_VIEW.model) q.set("model", v.model);
  if (v.engine !== DEFAULT_VIEW.engine) q.set("engine", v.engine);
  if (v.text !== DEFAULT_VIEW.text) q.set("text", v.text);
  if (v.threshold !== DEFAULT_VIEW.threshold) q.set("threshold", String(v.threshold));
  if (v.head) q.set("head", v.head);
  if (v.ablate.length) q.set("ablate", v.ablate.join(","));
  if (v.mode !== DEFAULT_VIEW.mode) q.set("mode", v.mode);
  if (v.panel) q.set("panel", v.panel);
  const s = q.toString();
  return s ? `?${s}` : "";
}
