import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import express from "express";
import supertest from "supertest";
import { webPagesRouter } from "../../apps/api/src/routes/web-pages.js";
import { createHarness, type Harness } from "../support/harness.js";

// The pages a browser opens, beside the JSON routes: the landing page, the API reference (served
// from swagger-ui-dist, offline) and the console with its single-page fallback.

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe("pages for a browser", () => {
  it("GET / links to the console, the API reference and the queue dashboard", async () => {
    const page = await h.request.get("/");
    expect(page.status).toBe(200);
    expect(page.type).toBe("text/html");
    for (const href of ["/console/", "/docs", "/admin/queues"]) expect(page.text).toContain(`href="${href}"`);
  });

  it("/docs renders /openapi.json with Swagger UI served from this server", async () => {
    const page = await h.request.get("/docs");
    expect(page.status).toBe(200);
    expect(page.text).toContain('src="/docs/assets/swagger-ui-bundle.js"');
    expect(page.text).not.toMatch(/https?:\/\//);
    const bundle = await h.request.get("/docs/assets/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    expect((await h.request.get("/docs/init.js")).text).toContain("/openapi.json");
  });

  it("serves the built console at /console and its index for every page below it", async () => {
    for (const url of ["/console", "/console/", "/console/w/1/webhooks", "/console/versions/7"]) {
      const page = await h.request.get(url);
      expect({ url, status: page.status }).toEqual({ url, status: 200 });
      expect(page.text).toContain('<div id="root"></div>');
      expect(page.headers["cache-control"]).toBe("no-cache");
    }
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec((await h.request.get("/console/")).text)?.[1];
    expect(script).toBeDefined();
    const asset = await h.request.get(script as string);
    expect(asset.status).toBe(200);
    expect(asset.headers["cache-control"]).toContain("immutable");
  });

  it("keeps the pages out of the API's route table: /openapi.json lists none of them", async () => {
    const paths = Object.keys((await h.request.get("/openapi.json")).body.paths as Record<string, unknown>);
    expect(paths.filter((route) => route === "/" || route.startsWith("/console") || route.startsWith("/docs"))).toEqual([]);
  });

  it("answers a clear 503 page when the console was not built", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "console-dist-"));
    try {
      const app = express().use(webPagesRouter(empty));
      const page = await supertest(app).get("/console/w/1/webhooks");
      expect(page.status).toBe(503);
      expect(page.text).toContain("npm run build");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
