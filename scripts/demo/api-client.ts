// What a user's script does: fetch with Verta's headers, JSON in, JSON out.
const REQUEST_TIMEOUT_MS = 15_000;

export interface Caller {
  email: string;
  key: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type ApiClient = ReturnType<typeof createApiClient>;

export function createApiClient(baseUrl: string) {
  async function call<T>(method: string, path: string, caller: Caller, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, baseUrl), {
        method,
        headers: { "content-type": "application/json", "grpc-metadata-email": caller.email, "grpc-metadata-developer_key": caller.key },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new Error(`${method} ${path}: no answer from ${baseUrl} (${(error as Error).message})`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw new ApiError(response.status, `${method} ${path} answered ${response.status}: ${errorMessage(text)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }
  return {
    baseUrl,
    get: <T>(path: string, caller: Caller) => call<T>("GET", path, caller),
    post: <T>(path: string, caller: Caller, body: unknown) => call<T>("POST", path, caller, body),
    put: <T>(path: string, caller: Caller, body: unknown) => call<T>("PUT", path, caller, body),
    patch: <T>(path: string, caller: Caller, body: unknown) => call<T>("PATCH", path, caller, body),
  };
}

/** The service's error shape is {error: {message}} (SPEC §3); anything else is shown as it came. */
function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    if (parsed.error?.message) return parsed.error.message;
  } catch {
    // not JSON: fall through
  }
  return text.slice(0, 300) || "(empty body)";
}
