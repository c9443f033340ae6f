// The bench's receiver, run as a process of its own (forked by receiver.ts) so that the load
// generator's work never delays a receipt. node:http, answers 200 at once or after `delayMs`,
// and notes for every request the time it arrived, its webhook-id and its call id.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ReceiverCommand, ReceiverReply, Receipts, SampleRequest } from "./receiver.js";

let delayMs = 0;
let requests = 0;
let receipts: Receipts = { eventUuids: [], callIds: [], times: [] };
let distinctCalls = new Set<number>();
let sample: SampleRequest | undefined;

// Headers a direct loop replays; the rest (host, length, connection, user-agent) belong to the client.
const REPLAYED = /^(content-type|webhook-|x-modelhooks-)/;

const server = http.createServer((request, response) => {
  const receivedAt = Date.now();
  requests += 1;
  const eventUuid = request.headers["webhook-id"];
  const callId = Number(request.headers["x-modelhooks-call-id"]);
  if (typeof eventUuid === "string" && Number.isInteger(callId)) {
    receipts.eventUuids.push(eventUuid);
    receipts.callIds.push(callId);
    receipts.times.push(receivedAt);
    distinctCalls.add(callId);
  }
  const keepSample = sample === undefined && typeof eventUuid === "string";
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => {
    if (keepSample) chunks.push(chunk);
  });
  request.on("end", () => {
    if (keepSample && sample === undefined) {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers))
        if (REPLAYED.test(name) && typeof value === "string") headers[name] = value;
      sample = { headers, body: Buffer.concat(chunks).toString("utf8") };
    }
    const answer = () => response.writeHead(200, { "content-type": "text/plain", "content-length": "2" }).end("ok");
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;

function handle(command: ReceiverCommand): ReceiverReply["result"] {
  switch (command.op) {
    case "configure":
      delayMs = command.delayMs;
      return null;
    case "reset":
      requests = 0;
      receipts = { eventUuids: [], callIds: [], times: [] };
      distinctCalls = new Set();
      return null;
    case "count":
      return { requests, distinctCalls: distinctCalls.size };
    case "collect":
      return receipts;
    case "sample":
      return sample ?? null;
  }
}

process.on("message", (message: ReceiverCommand) => {
  const reply: ReceiverReply = { id: message.id, result: handle(message) };
  process.send?.(reply);
});
// The bench went away: so does its receiver.
process.on("disconnect", () => process.exit(0));

server.listen(0, "127.0.0.1", () => {
  process.send?.({ ready: (server.address() as AddressInfo).port });
});
