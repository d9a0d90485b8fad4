import { useState } from "react";
import { useInduction } from "./hooks/use-induction.js";
import { useLiveRun } from "./hooks/use-live-run.js";
import { useModel } from "./hooks/use-model.js";
import { Detectors } from "./panels/Detectors.js";
import { Induction } from "./panels/Induction.js";
import { LivePatterns } from "./panels/LivePatterns.js";
import { ModelPicker } from "./panels/ModelPicker.js";
import { Training } from "./panels/Training.js";
import { SEED_TEXT } from "./seed.js";
import * as s from "./styles.js";

export function App() {
  const model = useModel("default");
  const [text, setText] = useState(SEED_TEXT);
  const live = useLiveRun(model.client, model.info, text);
  const induction = useInduction(model.client, model.info);
  const [focusHead, setFocusHead] = useState<{ index: number; seq: number } | null>(null);
  const showHead = (layer: number, head: number) => {
    const nHeads = live.result?.nHeads ?? 0;
    setFocusHead((f) => ({ index: layer * nHeads + head, seq: (f?.seq ?? 0) + 1 }));
    document.getElementById("patterns")?.scrollIntoView({ behavior: "smooth", block: "center" });
  };
  return (
    <main style={s.page}>
      <header>
        <h1 style={{ margin: "0 0 4px", fontSize: 26 }}>attnscope</h1>
        <p style={{ ...s.lede, fontSize: 15 }}>
          An attention-only transformer running in your browser, with an activation cache: see every head's attention,
          let detectors name the heads, and watch induction heads form while a tiny model trains.
        </p>
      </header>
      <ModelPicker model={model} />
      <LivePatterns text={text} onText={setText} live={live} focusHead={focusHead} />
      <Detectors result={live.result} onSelectHead={(h) => showHead(h.layer, h.head)} />
      <Induction induction={induction} />
      <Training recorded={model.info?.trainingLog} />
    </main>
  );
}
