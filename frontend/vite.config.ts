import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` serves the app with hot reload and forwards /api (REST and the
// websocket stream) to a running `layerlab serve`; LAYERLAB_API picks which one.
const api = process.env.LAYERLAB_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      "/api": { target: api, changeOrigin: true, ws: true },
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Plotly is one large, lazily loaded chunk; do not warn about it.
    chunkSizeWarningLimit: 5000,
  },
});
