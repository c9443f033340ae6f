import { ThrottledDelivery } from "./delivery-errors.js";
import { InFlightLimiter } from "./in-flight-limiter.js";

/** A webhook whose deliveries take less than this (InFlightLimiter.paceMs) answers fast. */
const FAST_WEBHOOK_MS = 1_000;
/** How long such a webhook's delivery waits in the worker for its workspace's next free slot. */
const WORKSPACE_SLOT_WAIT_MS = 100;

export interface DeliverySlotLimits {
  /** DELIVERY_MAX_IN_FLIGHT_PER_WEBHOOK */
  perWebhook: number;
  /** DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE */
  perWorkspace: number;
  /** DELIVERY_TIMEOUT_MS: no delivery holds a slot longer, so no one waits longer for one. */
  timeoutMs: number;
}

/** The slots one delivery holds while it is sent; give it back with `release`. */
export interface SlotLease {
  webhookId: number;
  workspaceId: number | undefined;
  webhookSlot: number;
  workspaceSlot: number;
}

/**
 * One worker's delivery slots, capped per webhook and per workspace (docs/reliability.md, "No
 * workspace starves another"): a hanging receiver holds at most its webhook's share, a workspace's
 * hanging receivers together at most the workspace's, whatever their number. In-process on
 * purpose: it protects this process's slots. The fan-out of the same worker asks it too, so that
 * a new delivery to a webhook that could not be served now is queued for later instead of being
 * fetched only to step aside.
 */
export class DeliverySlots {
  private readonly byWebhook: InFlightLimiter;
  private readonly byWorkspace: InFlightLimiter;

  constructor(limits: DeliverySlotLimits) {
    this.byWebhook = new InFlightLimiter(limits.perWebhook, limits.timeoutMs);
    this.byWorkspace = new InFlightLimiter(limits.perWorkspace, limits.timeoutMs);
  }

  /** The slots to send now, or ThrottledDelivery saying how long to step aside. */
  async acquire(webhookId: number, workspaceId: number | undefined, now = Date.now()): Promise<SlotLease> {
    // Measured before this delivery counts among the webhook's own.
    const paceMs = this.byWebhook.paceMs(webhookId, now);
    if (!this.byWebhook.tryAcquire(webhookId, now))
      throw new ThrottledDelivery(this.byWebhook.retryDelayMs(webhookId), "webhook at its in-flight cap");
    if (workspaceId === undefined) return { webhookId, workspaceId, webhookSlot: now, workspaceSlot: now };
    // A webhook whose deliveries are answered fast waits a moment for its workspace's next free
    // slot instead of stepping aside (a busy workspace's slots turn over in milliseconds); one
    // whose deliveries hang steps aside at once and holds no slot waiting.
    const wait = paceMs < FAST_WEBHOOK_MS ? WORKSPACE_SLOT_WAIT_MS : 0;
    const workspaceSlot = await this.byWorkspace.acquireWithin(workspaceId, wait, now);
    if (workspaceSlot === undefined) {
      this.byWebhook.giveBack(webhookId, now);
      // Its own webhook's pace says when to try again: a healthy webhook beside a hanging one in
      // the same workspace comes back soon (a slot of the workspace frees with each fast
      // delivery), a hanging webhook's own backlog waits long and churns little.
      throw new ThrottledDelivery(this.byWebhook.retryDelayMs(webhookId), "workspace at its in-flight cap");
    }
    return { webhookId, workspaceId, webhookSlot: now, workspaceSlot };
  }

  release(lease: SlotLease): void {
    this.byWebhook.release(lease.webhookId, lease.webhookSlot);
    if (lease.workspaceId !== undefined) this.byWorkspace.release(lease.workspaceId, lease.workspaceSlot);
  }

  /**
   * How long a delivery queued now to this webhook should wait before it is first tried, or 0:
   * when its webhook is slow and it or its workspace holds every slot it may, it would only be
   * fetched to step aside (two Redis scripts and the worker's time, hundreds a second under a
   * flood towards hanging receivers), so it waits in the delayed set as a refused one would.
   */
  delayForNew(webhookId: number, workspaceId: number, now = Date.now()): number {
    if (this.byWebhook.paceMs(webhookId, now) < FAST_WEBHOOK_MS) return 0;
    return this.byWebhook.isFull(webhookId) || this.byWorkspace.isFull(workspaceId) ? this.byWebhook.retryDelayMs(webhookId, now) : 0;
  }

  inFlight(webhookId: number): number {
    return this.byWebhook.inFlight(webhookId);
  }
}
