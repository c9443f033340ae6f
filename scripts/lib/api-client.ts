// The client of the real API over HTTP, for everything that talks to a running service the way a
// user's script does: fetch, JSON in and out, Verta's credential headers. The demo, the soak, the
// bench and the tests of out-of-process services use it; request bodies are typed by the API's own
// schemas (packages/contracts), so a changed contract fails to compile here too.
import { Pool } from "undici";
import type { z } from "zod";
import type { createUserBody, createWebhookBody, EventInput } from "@modelhooks/contracts";

export const EVENTS_PATH = "/api/v1/uac-proxy/events";
export const ADMIN_PATH = "/api/v1/admin";

export interface Caller {
  email: string;
  key: string;
}

export interface Answer {
  status: number;
  /** Parsed JSON; the text itself when the body is not JSON; null when empty. */
  body: unknown;
}

/** The service answered, but not as expected; the message carries the service's own error message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
  }
}

export interface Webhook {
  id: number;
  name: string;
  workspace_id: number;
  location: string;
  event_types: string[];
  all_events: boolean;
  resource_types: string[];
  has_mutual_secret: boolean;
  status: string;
}

export interface ApiClientOptions {
  /** Bound of one request, answer included; default 15 s. */
  timeoutMs?: number;
  /**
   * For load generators (the bench): keep this many connections open and send through undici's
   * Pool instead of fetch. Measured here, fetch costs about 0.9 ms of CPU per request and
   * Pool.request about 0.1 ms, so at full speed fetch would make the bench measure its own client.
   */
  pooledConnections?: number;
}

export class ApiClient {
  private readonly pool?: Pool;

  constructor(
    readonly baseUrl: string,
    readonly caller: Caller,
    private readonly options: ApiClientOptions = {},
    sharedPool?: Pool,
  ) {
    this.pool = sharedPool ?? (options.pooledConnections ? new Pool(baseUrl, { connections: options.pooledConnections }) : undefined);
  }

  /** The same service, as someone else. */
  as(caller: Caller): ApiClient {
    return new ApiClient(this.baseUrl, caller, this.options, this.pool);
  }

  /** Any answer, whatever its status; throws only when none came (refused, reset, timed out). */
  async send(method: string, path: string, body?: unknown): Promise<Answer> {
    const headers = {
      "content-type": "application/json",
      "grpc-metadata-email": this.caller.email,
      "grpc-metadata-developer_key": this.caller.key,
    };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const timeoutMs = this.options.timeoutMs ?? 15_000;
    try {
      if (this.pool) {
        const response = await this.pool.request({
          path,
          method,
          headers,
          body: payload,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        return { status: response.statusCode, body: parseBody(await response.body.text()) };
      }
      const response = await fetch(new URL(path, this.baseUrl), { method, headers, body: payload, signal: AbortSignal.timeout(timeoutMs) });
      return { status: response.status, body: parseBody(await response.text()) };
    } catch (error) {
      throw new Error(`${method} ${path}: no answer from ${this.baseUrl} (${(error as Error).message})`, { cause: error });
    }
  }

  /** Closes the pooled connections, if any (fetch's close by themselves). */
  async close(): Promise<void> {
    await this.pool?.close();
  }

  /** The body of a 2xx answer (or of `expected`); anything else is an ApiError. */
  async call<T>(method: string, path: string, body?: unknown, expected?: number): Promise<T> {
    const answer = await this.send(method, path, body);
    const ok = expected === undefined ? answer.status >= 200 && answer.status < 300 : answer.status === expected;
    if (!ok) throw new ApiError(answer.status, answer.body, `${method} ${path} answered ${answer.status}: ${errorMessage(answer.body)}`);
    return answer.body as T;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>("GET", path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>("POST", path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>("PUT", path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>("PATCH", path, body);
  }

  createWorkspace(name: string): Promise<{ id: number; name: string }> {
    return this.post(`${ADMIN_PATH}/workspaces`, { name });
  }

  /** A new user; its developer key is in the answer, this once. */
  createUser(body: z.input<typeof createUserBody>): Promise<{ id: number; email: string; developer_key: string }> {
    return this.post(`${ADMIN_PATH}/users`, body);
  }

  createWebhook(body: z.input<typeof createWebhookBody>): Promise<Webhook> {
    return this.post(`${EVENTS_PATH}/createWebhook`, body);
  }

  /** The answer as it came: 202 when accepted; load generators count the others rather than stop. */
  createEvent(body: EventInput): Promise<Answer> {
    return this.send("POST", `${EVENTS_PATH}/createEvent`, body);
  }
}

function parseBody(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The service's `{error: {message}}`; anything else shown as it came, shortened. */
function errorMessage(body: unknown): string {
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  if (typeof message === "string") return message;
  if (body === null || body === "") return "(empty body)";
  return (typeof body === "string" ? body : JSON.stringify(body)).slice(0, 300);
}
