import type { CSRF_HEADER, ErrorAnswer } from "@modelhooks/contracts";

// Type-only imports from the contracts: the schemas stay on the server, their types reach here.
const CSRF: typeof CSRF_HEADER = "x-modelhooks-csrf";

export type FieldErrors = Record<string, string>;

/** An answer that is not a success, in the API's words (docs/api.md, Errors). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
  }

  /** The message for each field the API named, keyed by its path ("event_types", "headers.X-Token"). */
  get fields(): FieldErrors {
    return Object.fromEntries(this.details.map((detail) => [detail.path, detail.message]));
  }
}

/** No HTTP answer at all, or a proxy's answer instead of the API's: the server is down. */
export class ServerUnreachable extends Error {}

type Listener = (reachable: boolean) => void;
const listeners = new Set<Listener>();
/** The banner listens here: every request reports whether the API answered. */
export function onReachability(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
const report = (reachable: boolean) => listeners.forEach((listener) => listener(reachable));

export async function api<T>(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: { [CSRF]: "1", ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    report(false);
    throw new ServerUnreachable("the modelhooks API cannot be reached");
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    // A gateway's HTML page (502, 504): the API itself did not answer.
    report(false);
    throw new ServerUnreachable(`the modelhooks API did not answer (HTTP ${response.status})`);
  }
  report(true);
  if (response.ok) return parsed as T;
  const error = (parsed as Partial<ErrorAnswer>).error;
  const retryAfter = response.headers.get("retry-after");
  const message = (error?.message ?? `HTTP ${response.status}`) + (retryAfter ? ` (try again in ${retryAfter} s)` : "");
  throw new ApiFailure(response.status, error?.code ?? "unknown", message, error?.details ?? []);
}

export const EVENTS = "/api/v1/uac-proxy/events";
export const REGISTRY = "/api/v1/registry";
export const ADMIN = "/api/v1/admin";
