// The bench's client of the real API: admin calls to set a scenario up, and createEvent sent at
// full speed or at a fixed rate, noting when each 202 arrived (the event's acceptance time).
import { Pool } from "undici";

export const EVENTS_PATH = "/api/v1/uac-proxy/events";

export interface Admin {
  email: string;
  key: string;
}

export interface SendResult {
  /** event_uuid → Date.now() when its 202 arrived. */
  acceptedAt: Map<string, number>;
  rejected: number;
  startedAt: number;
  endedAt: number;
}

export class ApiClient {
  private readonly pool: Pool;

  constructor(
    readonly baseUrl: string,
    private readonly admin: Admin,
    connections: number,
  ) {
    this.pool = new Pool(baseUrl, { connections, keepAliveTimeout: 60_000 });
  }

  async post(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const response = await this.pool.request({
      path,
      method: "POST",
      headers: {
        "content-type": "application/json",
        "grpc-metadata-email": this.admin.email,
        "grpc-metadata-developer_key": this.admin.key,
      },
      body: JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, json: text ? (JSON.parse(text) as unknown) : null };
  }

  async createWorkspace(name: string): Promise<number> {
    const { status, json } = await this.post("/api/v1/admin/workspaces", { name });
    if (status !== 200) throw new Error(`createWorkspace ${name}: ${status} ${JSON.stringify(json)}`);
    return (json as { id: number }).id;
  }

  async createWebhook(workspaceId: number, name: string, location: string): Promise<number> {
    const { status, json } = await this.post(`${EVENTS_PATH}/createWebhook`, {
      name,
      workspace_id: workspaceId,
      location,
      all_events: true,
      event_types: [],
      // Signed, as deliveries are in production.
      mutual_secret: "bench-secret",
    });
    if (status !== 200) throw new Error(`createWebhook ${name}: ${status} ${JSON.stringify(json)}`);
    return (json as { id: number }).id;
  }

  /** One createEvent; resolves with the time its 202 arrived, or undefined if it was refused. */
  async createEvent(workspaceId: number, eventUuid: string, index: number): Promise<number | undefined> {
    const { status } = await this.post(`${EVENTS_PATH}/createEvent`, eventBody(workspaceId, eventUuid, index));
    return status === 202 ? Date.now() : undefined;
  }

  /** `uuids` sent by `concurrency` loops, each waiting for its answer before the next. */
  async sendFullSpeed(workspaceId: number, uuids: string[], concurrency: number): Promise<SendResult> {
    const acceptedAt = new Map<string, number>();
    let rejected = 0;
    let next = 0;
    const startedAt = Date.now();
    const loop = async () => {
      while (next < uuids.length) {
        const index = next++;
        const uuid = uuids[index] as string;
        const at = await this.createEvent(workspaceId, uuid, index).catch(() => undefined);
        if (at === undefined) rejected += 1;
        else acceptedAt.set(uuid, at);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, uuids.length) }, loop));
    return { acceptedAt, rejected, startedAt, endedAt: Date.now() };
  }

  /**
   * Open loop at `perSecond`: event i leaves at start + i / perSecond whatever the answers do
   * (at most `maxInFlight` outstanding, so an overloaded API cannot pile up unbounded requests).
   */
  async sendAtRate(workspaceId: number, uuids: string[], perSecond: number, maxInFlight = 256): Promise<SendResult> {
    const acceptedAt = new Map<string, number>();
    let rejected = 0;
    let inFlight = 0;
    const outstanding = new Set<Promise<void>>();
    const startedAt = Date.now();
    for (let index = 0; index < uuids.length; index++) {
      const due = startedAt + (index * 1000) / perSecond;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      while (inFlight >= maxInFlight) await Promise.race(outstanding);
      const uuid = uuids[index] as string;
      inFlight += 1;
      const request: Promise<void> = this.createEvent(workspaceId, uuid, index)
        .catch(() => undefined)
        .then((at) => {
          if (at === undefined) rejected += 1;
          else acceptedAt.set(uuid, at);
        })
        .finally(() => {
          inFlight -= 1;
          outstanding.delete(request);
        });
      outstanding.add(request);
    }
    await Promise.all(outstanding);
    return { acceptedAt, rejected, startedAt, endedAt: Date.now() };
  }

  async health(): Promise<boolean> {
    try {
      const response = await this.pool.request({ path: "/healthz", method: "GET" });
      await response.body.dump();
      return response.statusCode === 200;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** A small, realistic createEvent body: a model version created. */
function eventBody(workspaceId: number, eventUuid: string, index: number) {
  return {
    event_uuid: eventUuid,
    event_type: "CREATE",
    workspace_id: workspaceId,
    resource_type: "MODEL_VERSION",
    new_entity: {
      model_version: { id: index + 1, registered_model_id: 1, version: `v${index + 1}`, stage: "UNASSIGNED", labels: ["bench"] },
    },
  };
}
