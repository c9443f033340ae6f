import http, { type ClientRequest } from "node:http";
import https from "node:https";
import { StringDecoder } from "node:string_decoder";
import got, { type Response as GotResponse } from "got";
import { ForbiddenAddressError, guardedLookup, isForbiddenAddress, literalAddress } from "./address-guard.js";

export interface TransportSettings {
  timeoutMs: number;
  responseBodyLimitBytes: number;
  allowPrivateTargets: boolean;
  userAgent: string;
}

export interface OutgoingWebhook {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export type TransportErrorKind = "timeout" | "connection" | "forbidden_address" | "invalid_url";

/** The request as it went out (or, when refused before any connection, as it would have). */
export interface SentRequest {
  url: string;
  headers: Record<string, string>;
}

export interface TransportResult {
  request?: SentRequest;
  /** 0 when no HTTP answer came. */
  statusCode: number;
  body: string;
  headers: Record<string, string>;
  durationMs: number;
  error?: string;
  errorKind?: TransportErrorKind;
}

/**
 * One signed POST, the way every delivery and triggerTest sends it: no redirects, no retries
 * of its own (bullmq schedules those), a hard timeout, and at most `responseBodyLimitBytes`
 * of the answer read before the connection is dropped, so a hostile receiver costs bounded memory.
 */
export class WebhookTransport {
  private readonly agent = {
    http: new http.Agent({ keepAlive: true, maxSockets: 512 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 512 }),
  };

  constructor(private readonly settings: TransportSettings) {}

  send(request: OutgoingWebhook): Promise<TransportResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return Promise.resolve(failure(elapsed(), "invalid_url", "location is not a valid URL"));
    }
    const literal = literalAddress(url.hostname);
    if (!this.settings.allowPrivateTargets && literal && isForbiddenAddress(literal)) {
      return Promise.resolve({
        ...failure(elapsed(), "forbidden_address", new ForbiddenAddressError(literal).message),
        request: this.intended(url, request),
      });
    }
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let received = 0;
      let response: GotResponse | undefined;
      let settled = false;
      let sent: ClientRequest | undefined;
      const stream = got.stream.post(url, {
        body: request.body,
        headers: { ...request.headers, "user-agent": this.settings.userAgent },
        timeout: { request: this.settings.timeoutMs },
        followRedirect: false,
        throwHttpErrors: false,
        retry: { limit: 0 },
        agent: this.agent,
        ...(this.settings.allowPrivateTargets ? {} : { dnsLookup: guardedLookup }),
      });
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        const captured = headersSent(sent);
        const requestLog = captured ? { url: url.toString(), headers: captured } : this.intended(url, request);
        stream.destroy();
        // PostgreSQL text cannot hold NUL: an attempt that cannot be recorded would be re-sent forever.
        const body = decodeTruncated(Buffer.concat(chunks).subarray(0, this.settings.responseBodyLimitBytes)).replaceAll(
          "\u0000",
          "\uFFFD",
        );
        if (response) {
          resolve({
            statusCode: response.statusCode,
            body,
            headers: flattenHeaders(response.headers),
            durationMs: elapsed(),
            request: requestLog,
          });
          return;
        }
        const { kind, message } = classify(error);
        resolve({ ...failure(elapsed(), kind, message), request: requestLog });
      };
      stream.on("request", (outgoing: ClientRequest) => {
        sent = outgoing;
      });
      stream.on("response", (incoming: GotResponse) => {
        response = incoming;
        if (this.settings.responseBodyLimitBytes === 0) finish();
      });
      stream.on("data", (chunk: Buffer) => {
        if (received >= this.settings.responseBodyLimitBytes) return;
        chunks.push(chunk);
        received += chunk.length;
        if (received >= this.settings.responseBodyLimitBytes) finish();
      });
      stream.on("end", () => finish());
      stream.on("error", (error) => finish(error));
    });
  }

  private intended(url: URL, request: OutgoingWebhook): SentRequest {
    return { url: url.toString(), headers: { ...request.headers, "user-agent": this.settings.userAgent } };
  }

  close(): void {
    this.agent.http.destroy();
    this.agent.https.destroy();
  }
}

/**
 * The header block exactly as Node wrote it to the socket (names lower-cased, as receivers see
 * them): Node adds Host, Connection and Content-Length itself, which the headers we set do not
 * show. Node keeps that block on the request as `_header` once it is written.
 */
function headersSent(request: ClientRequest | undefined): Record<string, string> | undefined {
  const block = (request as { _header?: unknown } | undefined)?._header;
  if (typeof block !== "string" || block.length === 0) return undefined;
  const headers: Record<string, string> = {};
  for (const line of block.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return headers;
}

function failure(durationMs: number, kind: TransportErrorKind, message: string): TransportResult {
  return { statusCode: 0, body: "", headers: {}, durationMs, error: message, errorKind: kind };
}

function classify(error: unknown): { kind: TransportErrorKind; message: string } {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ForbiddenAddressError) return { kind: "forbidden_address", message: cause.message };
  }
  const code = (error as { code?: string } | undefined)?.code;
  const message = error instanceof Error ? error.message : "request failed";
  if (code === "ETIMEDOUT") return { kind: "timeout", message };
  return { kind: "connection", message: code ? `${code}: ${message}` : message };
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

/** UTF-8 text of a body cut at a byte limit: a character the cut split is dropped whole, not stored as U+FFFD. */
function decodeTruncated(bytes: Buffer): string {
  // write() holds back an incomplete trailing sequence until more bytes come; none will.
  return new StringDecoder("utf8").write(bytes);
}
