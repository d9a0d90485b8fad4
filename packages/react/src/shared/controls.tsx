import type { CSSProperties, ReactNode } from "react";
import { downloadFigure, type Figure } from "../lib/export.js";
import type { Theme } from "../lib/theme.js";

export function buttonStyle(theme: Theme, pressed = false): CSSProperties {
  return {
    font: `12px ${theme.font}`,
    padding: "3px 8px",
    borderRadius: 4,
    border: `1px solid ${pressed ? theme.accent : theme.border}`,
    background: pressed ? theme.accent : theme.surface,
    color: pressed ? theme.background : theme.text,
    cursor: "pointer",
  };
}

/** PNG / SVG download buttons for a component's current view. */
export function ExportButtons({ theme, figure, name }: { theme: Theme; figure: () => Figure; name: string }) {
  return (
    <span style={{ display: "inline-flex", gap: 4 }}>
      <button
        type="button"
        style={buttonStyle(theme)}
        aria-label="Download view as PNG"
        onClick={() => void downloadFigure(figure(), "png", name)}
      >
        PNG
      </button>
      <button
        type="button"
        style={buttonStyle(theme)}
        aria-label="Download view as SVG"
        onClick={() => void downloadFigure(figure(), "svg", name)}
      >
        SVG
      </button>
    </span>
  );
}

/** Outer frame every component renders into: themed, font set, no global CSS. */
export function Frame({
  theme,
  label,
  children,
  style,
}: {
  theme: Theme;
  label: string;
  children: ReactNode;
  style?: CSSProperties;
}) {
  return (
    <div
      role="group"
      aria-label={label}
      data-theme={theme.name}
      style={{
        background: theme.background,
        color: theme.text,
        fontFamily: theme.font,
        fontSize: 13,
        padding: 12,
        borderRadius: 6,
        border: `1px solid ${theme.border}`,
        boxSizing: "border-box",
        ...style,
      }}
    >
      {children}
    </div>
  );
}

/**
 * Whether hovering a token shows where it attends (destination → sources) or what attends to it
 * (source ← destinations).
 */
export function DirectionToggle({
  theme,
  direction,
  onChange,
}: {
  theme: Theme;
  direction: "destination" | "source";
  onChange: (direction: "destination" | "source") => void;
}) {
  return (
    <span role="group" aria-label="Token hover direction" style={{ display: "inline-flex", gap: 4 }}>
      <button
        type="button"
        aria-pressed={direction === "destination"}
        style={buttonStyle(theme, direction === "destination")}
        onClick={() => onChange("destination")}
      >
        Destination → sources
      </button>
      <button
        type="button"
        aria-pressed={direction === "source"}
        style={buttonStyle(theme, direction === "source")}
        onClick={() => onChange("source")}
      >
        Source ← destinations
      </button>
    </span>
  );
}

export function Toolbar({ children }: { children: ReactNode }) {
  return (
    <div style={{ display: "flex", flexWrap: "wrap", alignItems: "center", gap: 8, marginBottom: 8 }}>{children}</div>
  );
}

/** A polite live region announcing what the hover/selection shows, for screen readers and tests. */
export function Status({ theme, children }: { theme: Theme; children: ReactNode }) {
  return (
    <div
      role="status"
      aria-live="polite"
      style={{ minHeight: 18, marginTop: 6, fontSize: 12, color: theme.muted, whiteSpace: "pre-wrap" }}
    >
      {children}
    </div>
  );
}
