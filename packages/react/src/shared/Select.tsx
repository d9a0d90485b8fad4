import { useId } from "react";
import type { Theme } from "../lib/theme.js";

/** A labelled drop-down of choices (layer, neuron, sample, k …), styled inline. */
export function Select<T extends string | number>({
  theme,
  label,
  value,
  options,
  onChange,
}: {
  theme: Theme;
  label: string;
  value: T;
  /** [value, text] pairs. */
  options: ReadonlyArray<readonly [T, string]>;
  onChange: (value: T) => void;
}) {
  const id = useId();
  return (
    <span style={{ display: "inline-flex", alignItems: "center", gap: 4, fontSize: 12 }}>
      <label htmlFor={id} style={{ color: theme.muted }}>
        {label}
      </label>
      <select
        id={id}
        value={String(value)}
        onChange={(e) => {
          const hit = options.find(([v]) => String(v) === e.target.value);
          if (hit) onChange(hit[0]);
        }}
        style={{
          font: `12px ${theme.font}`,
          background: theme.surface,
          color: theme.text,
          border: `1px solid ${theme.border}`,
          borderRadius: 4,
          padding: "1px 4px",
        }}
      >
        {options.map(([v, text]) => (
          <option key={String(v)} value={String(v)}>
            {text}
          </option>
        ))}
      </select>
    </span>
  );
}

/** Options 0 … n − 1 named by `labels` when given, else by their index. */
export function indexOptions(n: number, labels?: readonly string[]): [number, string][] {
  return Array.from({ length: n }, (_, i) => [i, labels?.[i] ?? String(i)] as [number, string]);
}
