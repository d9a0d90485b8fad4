import { useEffect, useRef, type CSSProperties, type KeyboardEvent, type ReactNode } from "react";
import type { Figure } from "../lib/export.js";
import { canvasPainter, type Painter } from "../lib/painter.js";

export interface FigureCanvasProps {
  figure: Figure;
  /** Drawn on a separate canvas above the figure; only this redraws on hover. */
  overlay?: ((p: Painter) => void) | null;
  onPointer?: (x: number, y: number) => void;
  onLeave?: () => void;
  onClickAt?: (x: number, y: number) => void;
  onKeyDown?: (e: KeyboardEvent<HTMLDivElement>) => void;
  ariaLabel: string;
  role?: string;
  tabIndex?: number;
  children?: ReactNode;
  style?: CSSProperties;
}

function pixelRatio(): number {
  return typeof window === "undefined" ? 1 : Math.min(2, window.devicePixelRatio || 1);
}

function sizeCanvas(c: HTMLCanvasElement, w: number, h: number, dpr: number): CanvasRenderingContext2D | null {
  const pw = Math.ceil(w * dpr);
  const ph = Math.ceil(h * dpr);
  if (c.width !== pw) c.width = pw;
  if (c.height !== ph) c.height = ph;
  const ctx = c.getContext("2d");
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** A figure on a base canvas plus a cheap overlay canvas for hover marks. */
export function FigureCanvas(props: FigureCanvasProps) {
  const { figure, overlay } = props;
  const base = useRef<HTMLCanvasElement>(null);
  const over = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const c = base.current;
    if (!c) return;
    const ctx = sizeCanvas(c, figure.width, figure.height, pixelRatio());
    if (!ctx) return;
    ctx.fillStyle = figure.background;
    ctx.fillRect(0, 0, figure.width, figure.height);
    figure.draw(canvasPainter(ctx));
  }, [figure]);

  useEffect(() => {
    const c = over.current;
    if (!c) return;
    const ctx = sizeCanvas(c, figure.width, figure.height, pixelRatio());
    if (!ctx) return;
    ctx.clearRect(0, 0, figure.width, figure.height);
    overlay?.(canvasPainter(ctx));
  }, [overlay, figure.width, figure.height]);

  const local = (e: { clientX: number; clientY: number; currentTarget: HTMLElement }) => {
    const r = e.currentTarget.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top] as const;
  };

  const box: CSSProperties = { position: "relative", width: figure.width, height: figure.height, ...props.style };
  const layer: CSSProperties = { position: "absolute", left: 0, top: 0, width: figure.width, height: figure.height };
  return (
    <div
      style={box}
      role={props.role ?? "img"}
      aria-label={props.ariaLabel}
      tabIndex={props.tabIndex}
      onKeyDown={props.onKeyDown}
      onPointerMove={props.onPointer ? (e) => props.onPointer!(...local(e)) : undefined}
      onPointerLeave={props.onLeave}
      onClick={props.onClickAt ? (e) => props.onClickAt!(...local(e)) : undefined}
    >
      <canvas ref={base} style={layer} aria-hidden="true" />
      <canvas ref={over} style={{ ...layer, pointerEvents: "none" }} aria-hidden="true" />
      {props.children}
    </div>
  );
}
