import type { RGB } from "../lib/color-scales.js";
import { rgbCss } from "../lib/color-scales.js";
import { formatValue } from "../lib/format-token.js";
import type { Theme } from "../lib/theme.js";

/** A horizontal colour bar from `min` to `max`, with an optional marked value (threshold, baseline). */
export function ColorLegend({
  theme,
  colorOf,
  min,
  max,
  width,
  mark,
  markLabel,
  title,
}: {
  theme: Theme;
  colorOf: (value: number) => RGB;
  min: number;
  max: number;
  width: number;
  mark?: number | null;
  markLabel?: string;
  /** What the colours measure, shown above the bar. */
  title?: string;
}) {
  const stops = Array.from({ length: 9 }, (_, i) => rgbCss(colorOf(min + ((max - min) * i) / 8))).join(", ");
  const markPct = mark != null && max > min ? ((mark - min) / (max - min)) * 100 : null;
  return (
    <div style={{ marginTop: 8, width, fontSize: 10, color: theme.muted }}>
      {title && (
        <div data-axis-title="color-bar" style={{ fontSize: 11, color: theme.text, marginBottom: 2 }}>
          {title}
        </div>
      )}
      <div
        style={{ position: "relative", height: 10, borderRadius: 2, background: `linear-gradient(to right, ${stops})` }}
      >
        {markPct !== null && (
          <span
            aria-hidden="true"
            style={{ position: "absolute", left: `${markPct}%`, top: -3, bottom: -3, width: 2, background: theme.text }}
          />
        )}
      </div>
      <div style={{ display: "flex", justifyContent: "space-between" }}>
        <span>{formatValue(min)}</span>
        {markLabel && <span>{markLabel}</span>}
        <span>{formatValue(max)}</span>
      </div>
    </div>
  );
}
