/**
 * Mount a component into any DOM element without writing React: the `render<Component>`
 * functions every component exports are built with this.
 */
import { createElement, type ComponentType } from "react";
import { createRoot } from "react-dom/client";

/** Handle returned by the `render<Component>(element, props)` functions. */
export interface MountedComponent<P> {
  /** Replace the props (a full set, not a patch) and re-render. */
  update(props: P): void;
  /** Remove the component and free its resources. */
  unmount(): void;
}

export function mountComponent<P extends object>(
  component: ComponentType<P>,
  element: Element,
  props: P,
): MountedComponent<P> {
  if (!element || typeof (element as Element).appendChild !== "function") {
    throw new Error("render…(element, props): element must be a DOM element");
  }
  const root = createRoot(element);
  root.render(createElement(component, props));
  return {
    update(next: P) {
      root.render(createElement(component, next));
    },
    unmount() {
      root.unmount();
    },
  };
}
