import type { ReactNode } from "react";
import type { Theme } from "../lib/theme.js";

/** Small absolutely positioned tooltip; content is React text, never HTML. */
export function Tooltip({ theme, x, y, children }: { theme: Theme; x: number; y: number; children: ReactNode }) {
  return (
    <div
      role="tooltip"
      style={{
        position: "absolute",
        left: x + 14,
        top: y + 14,
        zIndex: 2,
        pointerEvents: "none",
        background: theme.surface,
        color: theme.text,
        border: `1px solid ${theme.border}`,
        borderRadius: 4,
        padding: "3px 7px",
        fontSize: 12,
        whiteSpace: "pre",
        boxShadow: "0 2px 6px rgba(0,0,0,0.2)",
      }}
    >
      {children}
    </div>
  );
}
