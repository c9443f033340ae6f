import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import express, { Router } from "express";

// The pages a browser opens: the console, the API reference and a landing page linking them.
// They are not JSON routes, so they live outside the route table (and out of /openapi.json).

/** swagger-ui-dist's files, served as they are: the reference works offline. */
const SWAGGER_UI_DIR = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

/** apps/console/dist, the same from apps/api/src (tests, npm run dev) and apps/api/dist (npm start). */
export const CONSOLE_DIST = path.resolve(import.meta.dirname, "../../../console/dist");

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:10vh auto;padding:0 1rem;color:#1d2330}a{color:#2456c7}li{margin:.5em 0}</style>
</head><body>${body}</body></html>`;

const LANDING = page(
  "modelhooks",
  `<h1>modelhooks</h1><p>The events and webhooks service of the model registry.</p><ul>
<li><a href="/console/">Console</a>: webhooks, deliveries, models, notifications, admin</li>
<li><a href="/docs">API reference</a> (OpenAPI, also as <a href="/openapi.json">/openapi.json</a>)</li>
<li><a href="/admin/queues">Queue dashboard</a> (system admins)</li></ul>`,
);

const NOT_BUILT = page(
  "Console not built",
  `<h1>The console has not been built</h1><p>This server has no <code>apps/console/dist</code>. Run <code>npm run build</code>
(<code>npm install</code> does it too) and restart, or use <code>npm run dev:console</code> in development.</p>`,
);

const DOCS = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>modelhooks API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });`;

export function webPagesRouter(consoleDist = CONSOLE_DIST): Router {
  const router = Router();
  router.get("/", (_req, res) => {
    res.type("html").send(LANDING);
  });

  router.get("/docs", (_req, res) => {
    res.type("html").send(DOCS);
  });
  router.get("/docs/init.js", (_req, res) => {
    res.type("js").send(DOCS_INIT);
  });
  router.use("/docs/assets", express.static(SWAGGER_UI_DIR, { index: false }));

  // Hashed asset names: cached for good; index.html is never cached, so a new build shows at once.
  router.use("/console/assets", express.static(path.join(consoleDist, "assets"), { immutable: true, maxAge: "1y", fallthrough: false }));
  router.get("/console{/*page}", (_req, res) => {
    const index = path.join(consoleDist, "index.html");
    if (!existsSync(index)) {
      res.status(503).type("html").send(NOT_BUILT);
      return;
    }
    res.setHeader("cache-control", "no-cache");
    res.sendFile(index);
  });
  return router;
}
