import * as s from "../styles.js";

export interface HeadListProps {
  /** Head names, "layer.head". */
  heads: string[];
  /** Test id of the element holding the names, space-separated. */
  testId: string;
  threshold: number;
  onSelectHead?: (name: string) => void;
}

/** A detector's heads as chips; the element's text is the names separated by spaces. */
export function HeadList({ heads, testId, threshold, onSelectHead }: HeadListProps) {
  return (
    <div style={{ margin: "6px 0", minHeight: 24 }}>
      <span data-testid={testId}>
        {heads.map((h, i) => (
          <span key={h}>
            {i > 0 && " "}
            <button
              type="button"
              data-head={h}
              style={{ ...s.headChip, background: "none", cursor: "pointer" }}
              onClick={() => onSelectHead?.(h)}
            >
              {h}
            </button>
          </span>
        ))}
      </span>
      {heads.length === 0 && <span style={s.muted}>no head above {threshold}</span>}
    </div>
  );
}
