// The soak's calls to the API, the way a user's script makes them: fetch with Verta's headers.
const REQUEST_TIMEOUT_MS = 10_000;
export const EVENTS = "/api/v1/uac-proxy/events";

export interface Admin {
  email: string;
  key: string;
}

export class SoakApi {
  constructor(
    private readonly baseUrl: string,
    private readonly admin: Admin,
  ) {}

  /** POST with the admin's headers; answers the status and the parsed body (if any). */
  async post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "grpc-metadata-email": this.admin.email,
        "grpc-metadata-developer_key": this.admin.key,
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  }

  /** POST that must answer `expected`; the answer's body otherwise becomes the error. */
  async expect<T>(path: string, body: unknown, expected = 200): Promise<T> {
    const answer = await this.post(path, body);
    if (answer.status !== expected) throw new Error(`POST ${path} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
    return answer.body as T;
  }
}
