import { useCallback, useEffect, useState } from "react";

/**
 * Hover previews, click locks, Escape unlocks: `active` is the locked value if there is one,
 * otherwise the hovered one.
 */
export function useHoverLock<T>(initialLocked: T | null = null) {
  const [hovered, setHovered] = useState<T | null>(null);
  const [locked, setLocked] = useState<T | null>(initialLocked);

  const preview = useCallback((v: T | null) => setHovered(v), []);
  /** Lock `v`; locking the value that is already locked releases it (click toggles). */
  const lock = useCallback(
    (v: T | null) => setLocked((cur) => (v !== null && cur !== null && same(cur, v) ? null : v)),
    [],
  );
  const unlock = useCallback(() => setLocked(null), []);
  /** Lock `v` without toggling (for things that are always shown, like the selected head). */
  const set = useCallback((v: T | null) => setLocked(v), []);

  useEffect(() => {
    if (locked === null || typeof window === "undefined") return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setLocked(null);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [locked]);

  return { active: locked ?? hovered, hovered, locked, preview, lock, unlock, set };
}

function same<T>(a: T, b: T): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
