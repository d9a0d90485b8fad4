import { PANELS, type PanelId } from "../lib/url-state.js";
import * as s from "../styles.js";

const TITLES: Record<PanelId, string> = {
  patterns: "Patterns",
  detectors: "Detectors",
  custom: "Your detector",
  induction: "Induction",
  ablation: "Ablations",
  circuit: "Circuit",
  training: "Training",
};

/** Links to the page's panels; the one followed last goes into the address. */
export function PanelNav({
  current,
  onPanel,
  available = PANELS,
}: {
  current: PanelId | null;
  onPanel: (p: PanelId) => void;
  available?: readonly PanelId[];
}) {
  return (
    <nav aria-label="Panels" style={{ display: "flex", flexWrap: "wrap", gap: 6, margin: "4px 0 0" }}>
      {available.map((p) => (
        <a
          key={p}
          href={`#${p === "patterns" ? "patterns-panel" : p}`}
          aria-current={current === p ? "true" : undefined}
          data-testid={`nav-${p}`}
          onClick={() => onPanel(p)}
          style={{
            ...s.muted,
            textDecoration: "none",
            border: "1px solid var(--border)",
            borderRadius: 999,
            padding: "1px 10px",
            color: current === p ? "var(--accent)" : "var(--muted)",
          }}
        >
          {TITLES[p]}
        </a>
      ))}
    </nav>
  );
}
