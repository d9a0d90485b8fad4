import { useCallback, useEffect, useMemo, useState } from "react";
import { useAblation, useAblationScores } from "./hooks/use-ablation.js";
import { rankCircuits, useCircuitText, useCircuitWeights } from "./hooks/use-circuit.js";
import { useInduction } from "./hooks/use-induction.js";
import { useLiveRun } from "./hooks/use-live-run.js";
import { useModel } from "./hooks/use-model.js";
import { readViewState, writeViewState, type PanelId } from "./lib/url-state.js";
import { isRegistryChoice, type AblationMode, type CircuitPair, type EngineChoice } from "./model/protocol.js";
import { Ablation } from "./panels/Ablation.js";
import { Circuit } from "./panels/Circuit.js";
import { CustomDetector } from "./panels/CustomDetector.js";
import { Detectors } from "./panels/Detectors.js";
import { Induction } from "./panels/Induction.js";
import { LivePatterns } from "./panels/LivePatterns.js";
import { ModelPicker } from "./panels/ModelPicker.js";
import { PanelNav } from "./panels/PanelNav.js";
import { Training } from "./panels/Training.js";
import * as s from "./styles.js";

export function App() {
  // The address holds the view: read once, then kept up to date (replaceState, so Back leaves the page).
  const initial = useMemo(() => readViewState(window.location.search), []);
  const model = useModel(initial.model);
  const [text, setText] = useState(initial.text);
  const [engine, setEngine] = useState<EngineChoice>(initial.engine);
  const [threshold, setThreshold] = useState(initial.threshold);
  const [selected, setSelected] = useState<string | null>(initial.head);
  const [ablated, setAblated] = useState<string[]>(initial.ablate);
  const [mode, setMode] = useState<AblationMode>(initial.mode);
  const [picking, setPicking] = useState(false);
  const [panel, setPanel] = useState<PanelId | null>(initial.panel);

  const live = useLiveRun(model.client, model.info, text, engine);
  const [notice, setNotice] = useState<string | null>(null);
  // The tiny trained model reads only n_ctx bytes: opening it swaps a longer text for one that fits.
  useEffect(() => {
    const info = model.info;
    if (!info || info.choice !== "trained" || new TextEncoder().encode(text).length + 1 <= info.nCtx) return;
    setText(fitText(TRAINED_SAMPLE, info.nCtx - 1));
    setNotice(
      `The ${info.name} reads at most ${info.nCtx} tokens, so the text was replaced by a short one with repeats.`,
    );
  }, [model.info]); // eslint-disable-line react-hooks/exhaustive-deps
  const induction = useInduction(model.client, model.info);
  const ablation = useAblation(model.client, model.info, text, ablated, mode, induction.settings);
  const ablationScores = useAblationScores(model.client, model.info, induction.settings);

  const [circuitSeen, setCircuitSeen] = useState(initial.panel === "circuit");
  const onCircuitVisible = useCallback(() => setCircuitSeen(true), []);
  const circuitWeights = useCircuitWeights(model.client, model.info, induction.settings, circuitSeen);
  const circuitPair = useMemo(
    () => decomposedPair(circuitWeights.result?.circuits, threshold, selected),
    [circuitWeights.result, threshold, selected],
  );
  const circuitText = useCircuitText(model.client, model.info, text, circuitPair, induction.settings);

  const registry = model.info && isRegistryChoice(model.info.choice) ? model.info.choice : initial.model;
  useEffect(() => {
    const view = { model: registry, engine, text, threshold, head: selected, ablate: ablated, mode, panel };
    const search = writeViewState(view);
    if (search !== window.location.search)
      window.history.replaceState(null, "", `${window.location.pathname}${search}${window.location.hash}`);
  }, [registry, engine, text, threshold, selected, ablated, mode, panel]);

  // A link naming a panel opens the page there, once it has drawn.
  useEffect(() => {
    if (!initial.panel || !live.result) return;
    document
      .getElementById(initial.panel === "patterns" ? "patterns-panel" : initial.panel)
      ?.scrollIntoView({ block: "start" });
  }, [initial.panel, Boolean(live.result)]); // eslint-disable-line react-hooks/exhaustive-deps

  const toggleAblated = useCallback((name: string) => {
    setAblated((a) => (a.includes(name) ? a.filter((h) => h !== name) : [...a, name].sort(byHead)));
  }, []);

  const clearAblated = useCallback(() => setAblated([]), []);

  /**
   * Every click on a head: select it everywhere (and, while picking, toggle its ablation). Every view's head
   * is controlled by this one state, so Escape (which unlocks a view's token) leaves the head alone.
   */
  const selectHead = useCallback(
    (name: string) => {
      setSelected(name);
      if (picking) toggleAblated(name);
    },
    [picking, toggleAblated],
  );

  return (
    <main style={s.page}>
      <header>
        <h1 style={{ margin: "0 0 4px", fontSize: 26 }}>attnscope</h1>
        <p style={{ ...s.lede, fontSize: 15 }}>
          An attention-only transformer running in your browser, with an activation cache: see every head's attention,
          let detectors name the heads, knock heads out, and watch induction heads form while a tiny model trains.
        </p>
      </header>
      <PanelNav current={panel} onPanel={setPanel} />
      <ModelPicker model={model} />
      {notice && (
        <p role="status" style={s.muted} data-testid="notice">
          {notice}
        </p>
      )}
      <LivePatterns
        text={text}
        onText={setText}
        engine={engine}
        onEngine={setEngine}
        live={live}
        selected={selected}
        onSelectHead={selectHead}
      />
      <Detectors
        result={live.result}
        threshold={threshold}
        onThreshold={setThreshold}
        onSelectHead={selectHead}
        selected={selected}
      />
      <CustomDetector result={live.result} threshold={threshold} onSelectHead={selectHead} selected={selected} />
      <Induction
        induction={induction}
        modelChoice={model.info?.choice}
        threshold={threshold}
        selected={selected}
        onSelectHead={selectHead}
      />
      {model.info && (
        <Ablation
          nLayers={model.info.nLayers}
          nHeads={model.info.nHeads}
          heads={ablated}
          mode={mode}
          onMode={setMode}
          onToggleHead={toggleAblated}
          onClear={clearAblated}
          picking={picking}
          onPicking={setPicking}
          ablation={ablation}
          scores={ablationScores}
          threshold={threshold}
          selected={selected}
          onSelectHead={selectHead}
        />
      )}
      <Circuit
        weights={circuitWeights}
        text={circuitText}
        threshold={threshold}
        selected={selected}
        onSelectHead={selectHead}
        onVisible={onCircuitVisible}
      />
      <Training recorded={model.info?.trainingLog} onOpenTrained={model.select} />
    </main>
  );
}

/**
 * The head the circuit panel decomposes (the selected head when it is in a later layer, else the best
 * circuit's induction head) and the earlier head whose keys it shows (that head's best partner).
 */
function decomposedPair(
  circuits: CircuitPair[] | undefined,
  threshold: number,
  selected: string | null,
): { head: string; keyHead: string } | null {
  if (!circuits?.length) return null;
  const ranked = rankCircuits(circuits, threshold);
  const head =
    selected && Number(selected.split(".")[0]) > 0 && ranked.some((c) => c.induction === selected)
      ? selected
      : ranked[0].induction;
  return { head, keyHead: ranked.find((c) => c.induction === head)!.previous };
}

/** Text with repeats, which the tiny model (trained only to copy) can predict. */
const TRAINED_SAMPLE = "abc xyz mq abc xyz mq abc xyz mq abc xyz mq abc xyz mq abc xyz mq";

/** The longest prefix of `text` of at most `bytes` UTF-8 bytes (ASCII here). */
function fitText(text: string, bytes: number): string {
  return text.slice(0, bytes);
}

function byHead(a: string, b: string): number {
  const [la, ha] = a.split(".").map(Number);
  const [lb, hb] = b.split(".").map(Number);
  return la - lb || ha - hb;
}
