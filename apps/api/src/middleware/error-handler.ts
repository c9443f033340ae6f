import type { NextFunction, Request, Response } from "express";
import { ZodError } from "zod";
import { DomainError, type DomainErrorKind } from "@modelhooks/contracts";
import { ApiError } from "../http-errors.js";

interface BodyParserError {
  type?: string;
  status?: number;
}

// Prisma's codes for an unreachable or overloaded server, the driver adapter's kinds, and the
// raw socket / PostgreSQL codes (admin shutdown, cannot connect now) underneath them.
const DATABASE_DOWN = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "57P01", "57P03"]);
const ADAPTER_DOWN = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as { code?: unknown; errorCode?: unknown }).code ?? (cause as { errorCode?: unknown }).errorCode;
    if (typeof code === "string" && DATABASE_DOWN.has(code)) return true;
    const kind = (cause as { meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } }).meta?.driverAdapterError?.cause?.kind;
    if (typeof kind === "string" && ADAPTER_DOWN.has(kind)) return true;
    const name = (cause as { name?: unknown }).name;
    if (name === "PrismaClientInitializationError") return true;
    if (cause instanceof AggregateError) return cause.errors.some(isDatabaseUnavailable);
  }
  return false;
}

/** Each kind of domain refusal, one status; the code is the kind itself. */
const DOMAIN_ERROR_STATUS: Record<DomainErrorKind, number> = {
  invalid_argument: 400,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 409,
  resource_exhausted: 429,
};

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DomainError) {
    const details = error.field ? [{ path: error.field, message: error.message }] : [];
    return new ApiError(DOMAIN_ERROR_STATUS[error.kind], error.kind, error.message, details, error.retryAfterMs);
  }
  if (error instanceof ZodError) {
    const details = error.issues.flatMap((issue) =>
      // Zod reports unknown fields on their parent object; name each field, like any other issue.
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => ({ path: [...issue.path, key].join("."), message: "unknown field" }))
        : [{ path: issue.path.join(".") || "(body)", message: issue.message }],
    );
    const first = details[0];
    return new ApiError(400, "invalid_argument", first ? `${first.path}: ${first.message}` : "invalid request", details);
  }
  const parserError = error as BodyParserError;
  if (parserError.type === "entity.too.large") return new ApiError(413, "payload_too_large", "request body is too large");
  if (parserError.type === "entity.parse.failed")
    return new ApiError(400, "invalid_argument", "request body is not valid JSON", [{ path: "(body)", message: "malformed JSON" }]);
  if (parserError.type === "encoding.unsupported" || parserError.type === "charset.unsupported")
    return new ApiError(415, "unsupported_media_type", "unsupported body encoding");
  // Express's own client errors (a path parameter that is not valid percent-encoding, …).
  const status = (error as { status?: unknown }).status;
  if (typeof status === "number" && status >= 400 && status < 500)
    return new ApiError(400, "invalid_argument", "malformed request: the URL or body could not be decoded");
  if (isDatabaseUnavailable(error)) return new ApiError(503, "unavailable", "the database is unreachable; try again shortly");
  return new ApiError(500, "internal", "internal error");
}

/** The one place answers to errors are written; no stack trace ever leaves the process. */
export function errorHandler() {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500)
      req.log.error("request failed", { status: apiError.status, error: error instanceof Error ? error.message : String(error) });
    if (apiError.retryAfterMs !== undefined) res.setHeader("retry-after", String(Math.max(1, Math.ceil(apiError.retryAfterMs / 1000))));
    res.status(apiError.status).json({ error: { code: apiError.code, message: apiError.message, details: apiError.details } });
  };
}
