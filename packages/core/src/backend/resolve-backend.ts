import type { Backend } from "./backend.js";
import { tsBackend } from "./ts-backend.js";
import { createKernelsBackend, kernelsAvailable } from "./kernels-backend.js";

/** Which numeric engine runs the model. */
export type BackendChoice = Backend | "auto" | "kernels" | "ts";

/** Resolve a backend choice; "auto" falls back to plain TypeScript when the kernels cannot run here. */
export async function resolveBackend(choice: BackendChoice = "auto"): Promise<Backend> {
  if (typeof choice === "object") return choice;
  if (choice === "ts") return tsBackend;
  if (choice === "kernels") return createKernelsBackend();
  if (!kernelsAvailable()) return tsBackend;
  try {
    return await createKernelsBackend();
  } catch {
    return tsBackend;
  }
}
