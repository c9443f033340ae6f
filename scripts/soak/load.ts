// Steady load: createEvent at a fixed rate, each request started on schedule (not after the
// previous answer), with a cap on requests in flight so a stalled API cannot pile up sockets.
import type { ApiClient } from "../lib/api-client.js";

const MAX_IN_FLIGHT = 200;

export interface SentEvent {
  uuid: string;
  sentAt: number;
  /** When the 202 came back (the event is acknowledged: it must never be lost from here on). */
  acceptedAt?: number;
  /** The HTTP status, or 0 when no answer came. */
  status: number;
  error?: string;
}

export class LoadGenerator {
  readonly sent: SentEvent[] = [];
  /** Ticks skipped because MAX_IN_FLIGHT requests were already waiting for the API. */
  skipped = 0;
  private inFlight = new Set<Promise<void>>();

  private next = 0;

  /** Events go to the APIs in turn (several replicas behind one "load balancer"). */
  constructor(
    private readonly apis: ApiClient[],
    private readonly workspaceId: number,
    private readonly runId: string,
  ) {}

  /** One event, now. */
  send(): Promise<void> {
    const event: SentEvent = { uuid: `soak-${this.runId}-${this.sent.length + 1}`, sentAt: Date.now(), status: 0 };
    this.sent.push(event);
    const api = this.apis[this.next++ % this.apis.length] as ApiClient;
    const request = api
      .createEvent({
        event_uuid: event.uuid,
        event_type: "UPDATE",
        workspace_id: this.workspaceId,
        resource_type: "MODEL_VERSION",
        new_entity: { model_version: { id: this.sent.length, version: `v${this.sent.length}` } },
      })
      .then(
        (answer) => {
          event.status = answer.status;
          if (answer.status === 202) event.acceptedAt = Date.now();
          else event.error = JSON.stringify(answer.body).slice(0, 200);
        },
        (error: Error) => {
          event.error = error.message;
        },
      )
      .finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
    return request;
  }

  /** Sends at `rate` per second until `untilMs` (a Date.now() value) or until `stop()` says so. */
  async run(rate: number, untilMs: number, stop: () => boolean): Promise<void> {
    const intervalMs = 1000 / rate;
    const startedAt = Date.now();
    let due = 0;
    while (Date.now() < untilMs && !stop()) {
      const shouldHaveSent = Math.floor((Date.now() - startedAt) / intervalMs) + 1;
      for (; due < shouldHaveSent && Date.now() < untilMs; due++) {
        if (this.inFlight.size >= MAX_IN_FLIGHT) this.skipped += 1;
        else void this.send();
      }
      const nextAt = startedAt + due * intervalMs;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(nextAt - Date.now(), 50))));
    }
  }

  /** Waits (bounded by the requests' own timeout) for every request still in flight. */
  async settle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
