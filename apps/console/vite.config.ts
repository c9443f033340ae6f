import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The console is served by the API at /console; in development Vite serves it with hot reload and
// hands every API path to a running API (npm run dev), so the session cookie stays same-origin.
const api = process.env.CONSOLE_API_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  root: import.meta.dirname,
  base: "/console/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: {
    port: 5173,
    proxy: Object.fromEntries(["/api", "/v1", "/openapi.json", "/docs", "/admin"].map((path) => [path, { target: api }])),
  },
});
