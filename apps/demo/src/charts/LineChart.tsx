import { useMemo } from "react";

export interface Series {
  label: string;
  /** CSS colour. */
  color: string;
  /** [x, y] points, x increasing. NaN y values leave a gap. */
  points: readonly (readonly [number, number])[];
  /** Dashed line. @default false */
  dashed?: boolean;
}

export interface LineChartProps {
  series: readonly Series[];
  title: string;
  xLabel: string;
  /** Axis range; the y range grows to fit the data when it does not. */
  xMax: number;
  yMin?: number;
  yMax?: number;
  /** Horizontal reference line (e.g. a detector threshold). */
  threshold?: number;
  /** Shaded x range with a label (e.g. where a phase change happened). */
  band?: { from: number; to: number; label: string };
  /** @default 220 */
  height?: number;
  testId?: string;
}

const W = 520;
const PAD = { left: 42, right: 12, top: 26, bottom: 30 };

function niceTicks(min: number, max: number, count: number): number[] {
  const span = max - min || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) out.push(Number(v.toPrecision(6)));
  return out;
}

/** A small SVG line chart for live training curves; redraws cheaply as points arrive. */
export function LineChart({
  series,
  title,
  xLabel,
  xMax,
  yMin,
  yMax,
  threshold,
  band,
  height = 220,
  testId,
}: LineChartProps) {
  const [lo, hi] = useMemo(() => {
    let a = yMin ?? Infinity;
    let b = yMax ?? -Infinity;
    for (const s of series)
      for (const [, y] of s.points)
        if (Number.isFinite(y)) {
          if (yMin === undefined) a = Math.min(a, y);
          if (yMax === undefined) b = Math.max(b, y);
        }
    if (!Number.isFinite(a) || !Number.isFinite(b)) return [0, 1];
    return a === b ? [a - 0.5, b + 0.5] : [a, b];
  }, [series, yMin, yMax]);
  const iw = W - PAD.left - PAD.right;
  const ih = height - PAD.top - PAD.bottom;
  const x = (v: number) => PAD.left + (v / Math.max(1, xMax)) * iw;
  const y = (v: number) => PAD.top + ih - ((v - lo) / (hi - lo)) * ih;
  const paths = series.map((s) => {
    let d = "";
    let pen = false;
    for (const [px, py] of s.points) {
      if (!Number.isFinite(py)) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${x(px).toFixed(1)},${y(Math.min(hi, Math.max(lo, py))).toFixed(1)}`;
      pen = true;
    }
    return d;
  });
  return (
    <figure style={{ margin: 0, flex: "1 1 420px", minWidth: 320, maxWidth: 640 }} data-testid={testId}>
      <svg
        viewBox={`0 0 ${W} ${height}`}
        width="100%"
        role="img"
        aria-label={title}
        style={{ display: "block", overflow: "visible" }}
      >
        <text x={PAD.left} y={14} fontSize={13} fontWeight={600} fill="var(--text)">
          {title}
        </text>
        {band && (
          <g data-testid={testId ? `${testId}-band` : undefined}>
            <rect
              x={x(band.from)}
              y={PAD.top}
              width={Math.max(2, x(band.to) - x(band.from))}
              height={ih}
              fill="var(--accent)"
              opacity={0.15}
            />
            <text x={x(band.to) + 4} y={PAD.top + 12} fontSize={10} fill="var(--accent)">
              {band.label}
            </text>
          </g>
        )}
        {niceTicks(lo, hi, 4).map((t) => (
          <g key={`y${t}`}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} stroke="var(--border)" strokeWidth={0.5} />
            <text x={PAD.left - 6} y={y(t) + 4} fontSize={10} textAnchor="end" fill="var(--muted)">
              {t}
            </text>
          </g>
        ))}
        {niceTicks(0, Math.max(1, xMax), 5).map((t) => (
          <text
            key={`x${t}`}
            x={x(t)}
            y={height - PAD.bottom + 14}
            fontSize={10}
            textAnchor="middle"
            fill="var(--muted)"
          >
            {t}
          </text>
        ))}
        <text x={PAD.left + iw / 2} y={height - 2} fontSize={11} textAnchor="middle" fill="var(--muted)">
          {xLabel}
        </text>
        <line x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={PAD.top + ih} stroke="var(--border)" />
        <line x1={PAD.left} x2={W - PAD.right} y1={PAD.top + ih} y2={PAD.top + ih} stroke="var(--border)" />
        {threshold !== undefined && threshold >= lo && threshold <= hi && (
          <line
            x1={PAD.left}
            x2={W - PAD.right}
            y1={y(threshold)}
            y2={y(threshold)}
            stroke="var(--muted)"
            strokeDasharray="2 3"
          />
        )}
        {series.map((s, i) => (
          <path
            key={s.label}
            d={paths[i]}
            fill="none"
            stroke={s.color}
            strokeWidth={1.6}
            strokeDasharray={s.dashed ? "5 3" : undefined}
          />
        ))}
      </svg>
      <figcaption
        style={{
          display: "flex",
          flexWrap: "wrap",
          gap: 12,
          fontSize: 12,
          color: "var(--muted)",
          paddingLeft: PAD.left,
        }}
      >
        {series.map((s) => (
          <span key={s.label} style={{ display: "inline-flex", alignItems: "center", gap: 4 }}>
            <svg width={18} height={6} aria-hidden>
              <line
                x1={0}
                x2={18}
                y1={3}
                y2={3}
                stroke={s.color}
                strokeWidth={2}
                strokeDasharray={s.dashed ? "4 2" : undefined}
              />
            </svg>
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
