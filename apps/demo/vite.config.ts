import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Cross-origin isolation lets the kernels share memory between two compute threads; without these headers
// (any static host) the model still runs, single-threaded. Downloads from Hugging Face are CORS requests,
// which isolation allows.
const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

// `PORT=4180 npm start` (or `npm run serve`) serves on 4180; 4173 otherwise.
const port = Number(process.env.PORT) || 4173;

// The model runs in module workers; "es" lets them share chunks with the page.
export default defineConfig({
  plugins: [react()],
  worker: { format: "es" },
  build: { target: "es2022", chunkSizeWarningLimit: 4096 },
  server: { headers: isolation },
  preview: { port, headers: isolation },
});
