import type { WebhookCall, WebhookCallAttempt } from "@modelhooks/db";

function attemptResponse(attempt: WebhookCallAttempt | undefined) {
  if (!attempt) return { status_code: 0, body: "", headers: {}, duration_ms: 0 };
  return {
    status_code: attempt.statusCode,
    body: attempt.responseBody,
    headers: attempt.responseHeaders as Record<string, string>,
    duration_ms: attempt.durationMs,
    ...(attempt.error ? { error: attempt.error } : {}),
  };
}

export type CallWithAttempts = WebhookCall & { event: { uuid: string; eventType: string }; attemptLog: WebhookCallAttempt[] };

/** What was sent in one attempt: URL and headers as written to the socket, the call's body. */
function attemptRequest(call: WebhookCall, attempt: WebhookCallAttempt) {
  return { url: attempt.requestUrl ?? "", headers: (attempt.requestHeaders ?? {}) as Record<string, string>, body: call.requestBody ?? "" };
}

/** The WebhookCall (docs/api.md): `response` is the latest attempt's; `attempt_history` all of them on request. */
export function webhookCallView(call: CallWithAttempts, includeAttempts: boolean) {
  const ordered = [...call.attemptLog].sort((a, b) => a.attemptNumber - b.attemptNumber);
  return {
    id: call.id,
    webhook_id: call.webhookId,
    event_uuid: call.event.uuid,
    event_type: call.event.eventType,
    status: call.status,
    attempts: call.attempts,
    ...(call.nextAttemptAt && call.status === "IN_PROGRESS" ? { next_attempt_at: call.nextAttemptAt.toISOString() } : {}),
    ...(call.retriggerOfId ? { retrigger_of: call.retriggerOfId } : {}),
    response: attemptResponse(ordered.at(-1)),
    created_at: call.createdAt.toISOString(),
    updated_at: call.updatedAt.toISOString(),
    ...(includeAttempts
      ? {
          attempt_history: ordered.map((attempt) => ({
            attempt: attempt.attemptNumber,
            started_at: attempt.startedAt.toISOString(),
            request: attemptRequest(call, attempt),
            ...attemptResponse(attempt),
          })),
        }
      : {}),
  };
}
