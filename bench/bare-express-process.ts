// The yardstick of ingestion: a bare Express handler, in a process of its own, that parses the
// same JSON body on the same path as createEvent and answers 202 {} — no authentication, no
// database, no queue. Forked by bare-express.ts; tells its parent the port it listens on.
import express from "express";
import type { AddressInfo } from "node:net";
import { EVENTS_PATH } from "../scripts/lib/api-client.js";

const app = express();
app.disable("x-powered-by");
// As the API reads bodies (apps/api/src/app.ts): any content type as JSON, up to 1 MiB.
app.use(express.json({ limit: 1024 * 1024, type: () => true, strict: true }));
app.post(`${EVENTS_PATH}/createEvent`, (req, res) => {
  res.status(typeof req.body === "object" ? 202 : 400).json({});
});
const server = app.listen(0, "127.0.0.1", () => {
  process.send?.({ ready: (server.address() as AddressInfo).port });
});
server.keepAliveTimeout = 60_000;
process.on("disconnect", () => process.exit(0));
