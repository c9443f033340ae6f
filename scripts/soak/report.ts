// The soak's printed figures: a readable table, and the verdict that sets the exit code.
import type { Figures, Latency } from "./figures.js";

export const ISOLATION_LIMIT = 2;

const pad = (value: string | number, width: number) => String(value).padStart(width);
const ms = (value: number) => `${Math.round(value)} ms`;
const spread = (l: Latency) =>
  l.samples ? `p50 ${ms(l.p50)}, p99 ${ms(l.p99)}, max ${ms(l.max)} (${l.samples} deliveries)` : "no samples";

export function formatFigures(figures: Figures): string {
  const lines: string[] = [];
  const row = (label: string, value: string | number, note = "") =>
    lines.push(`  ${label.padEnd(34)}${pad(value, 8)}${note ? `   ${note}` : ""}`);
  const byBehaviour = (behaviour: string) => figures.receivers.filter((receiver) => receiver.behaviour === behaviour);
  const sum = (behaviour: string, key: "failure" | "success") =>
    byBehaviour(behaviour).reduce((total, receiver) => total + receiver[key], 0);

  lines.push("figures");
  row("events sent", figures.eventsSent);
  row(
    "events accepted (202)",
    figures.eventsAccepted,
    figures.eventsNotAccepted ? `not accepted: ${figures.notAcceptedReasons.join("; ")}` : "",
  );
  row("events recorded in PostgreSQL", figures.eventsRecorded, "of those accepted");
  row("calls expected", figures.callsExpected, "accepted events × webhooks that existed when each was sent");
  row(
    "calls created",
    figures.callsCreated,
    `of the events sent: ${figures.callsCreated - figures.callsOfPlatformEvents}; of the platform's own (a call ending FAILURE announces itself as UPDATE / WEBHOOK_CALL to all-events webhooks): ${figures.callsOfPlatformEvents}`,
  );
  row("SUCCESS", figures.success, `hanging receiver after it recovered: ${sum("hanging", "success")}`);
  row(
    "FAILURE",
    figures.failure,
    `always-failing: ${sum("failing", "failure")}, hanging: ${sum("hanging", "failure")}, healthy (retries exhausted): ${figures.exhausted}`,
  );
  row("stuck (not final after the drain)", figures.stuck);
  const detail = figures.lostDetail;
  row(
    "lost",
    figures.lost,
    `not recorded ${detail.eventsNotRecorded}, calls missing ${detail.callsMissing}, SUCCESS never received ${detail.successWithoutDelivery}, healthy FAILURE without cause ${detail.failedWithoutCause}`,
  );
  row("duplicates delivered", figures.duplicates, "2xx answers beyond the first per webhook × event");
  row("max attempt latency", ms(figures.maxAttemptMs), `${ms(figures.maxAttemptMsExcludingHanging)} without the hanging receiver`);
  row("max acceptance → first receipt", ms(figures.firstReceipt.all.max), "healthy receivers, any phase");
  row("max acceptance → delivered (2xx)", ms(figures.delivered.max), "healthy receivers, retries included");

  lines.push("", "acceptance → first receipt at the healthy receivers");
  lines.push(`  baseline (no hanging webhook)     ${spread(figures.firstReceipt.baseline)}`);
  const hanging = figures.receivers.some((receiver) => receiver.behaviour === "hanging");
  lines.push(
    `  ${hanging ? "isolation (one hanging webhook)" : "isolation (--no-hanging)       "}   ${spread(figures.firstReceipt.isolation)}`,
  );
  lines.push(`  chaos (kills, Redis drop)         ${spread(figures.firstReceipt.chaos)}`);
  const ratio = figures.isolationRatio;
  const verdict = Number.isNaN(ratio)
    ? "(no baseline)"
    : ratio <= ISOLATION_LIMIT
      ? `✓ within ${ISOLATION_LIMIT}×`
      : `✗ above ${ISOLATION_LIMIT}×`;
  lines.push(`  p99 isolation / baseline          ${Number.isNaN(ratio) ? "n/a" : ratio.toFixed(2)}   ${verdict}`);

  lines.push("", "per receiver");
  const header = [
    "receiver",
    "behaviour",
    "expected",
    "calls",
    "SUCCESS",
    "FAILURE",
    "stuck",
    "attempts",
    "requests",
    "dupes",
    "max attempt",
  ];
  const widths = [12, 9, 8, 6, 7, 7, 5, 8, 8, 5, 11];
  const line = (cells: (string | number)[]) =>
    lines.push(`  ${cells.map((cell, index) => (index < 2 ? String(cell).padEnd(widths[index]!) : pad(cell, widths[index]!))).join("  ")}`);
  line(header);
  for (const receiver of figures.receivers) {
    line([
      receiver.name,
      receiver.behaviour,
      receiver.expected,
      receiver.calls,
      receiver.success,
      receiver.failure,
      receiver.stuck,
      receiver.attempts,
      receiver.requests,
      receiver.duplicates,
      ms(receiver.maxAttemptMs),
    ]);
  }
  const noAnswers = figures.receivers.filter((receiver) => receiver.noAnswer > 0);
  if (noAnswers.length) {
    lines.push("", "attempts without an HTTP answer (timeouts, connection errors)");
    for (const receiver of noAnswers)
      lines.push(
        `  ${receiver.name.padEnd(12)}${pad(receiver.noAnswer, 6)}   ${receiver.noAnswerErrors.slice(0, 3).join("; ").slice(0, 160)}`,
      );
  }
  if (figures.examples.length) lines.push("", "examples of what went wrong", ...figures.examples.map((example) => `  ${example}`));
  return lines.join("\n");
}

/** Exit code 1 when anything was lost or is stuck; the isolation ratio is reported, not enforced. */
export function passed(figures: Figures): boolean {
  return figures.lost === 0 && figures.stuck === 0 && figures.eventsAccepted > 0;
}
