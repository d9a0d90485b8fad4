import type { Backend } from "./backend.js";
import { tsBackend } from "./ts-backend.js";
import { createKernelsBackend, kernelsAvailable } from "./kernels-backend.js";

/** Which numeric engine runs the model. */
export type BackendChoice = Backend | "auto" | "kernels" | "ts";

/** A resolved backend, and why it is not the one asked for when it is not (null when it is). */
export interface ResolvedBackend {
  backend: Backend;
  /** E.g. `"kernels unavailable: this engine has no WebAssembly SIMD; using ts"`. */
  warning: string | null;
}

/**
 * Resolve a backend choice, saying why when "auto" falls back to plain TypeScript: the kernels' start-up error
 * is reported, never swallowed. "kernels" throws that error instead of falling back.
 */
export async function resolveBackendWithStatus(choice: BackendChoice = "auto"): Promise<ResolvedBackend> {
  if (typeof choice === "object") return { backend: choice, warning: null };
  if (choice === "ts") return { backend: tsBackend, warning: null };
  if (choice === "kernels") return { backend: await createKernelsBackend(), warning: null };
  if (!kernelsAvailable()) {
    return { backend: tsBackend, warning: "kernels unavailable: this engine has no WebAssembly SIMD; using ts" };
  }
  try {
    return { backend: await createKernelsBackend(), warning: null };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { backend: tsBackend, warning: `kernels unavailable: ${why}; using ts` };
  }
}

/** Resolve a backend choice; "auto" falls back to plain TypeScript when the kernels cannot run here. */
export async function resolveBackend(choice: BackendChoice = "auto"): Promise<Backend> {
  return (await resolveBackendWithStatus(choice)).backend;
}
