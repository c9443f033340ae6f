export interface ErrorDetail {
  path: string;
  message: string;
}

/** Every error a client sees, in one shape: `{error: {code, message, details}}` (docs/api.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Sent as Retry-After (seconds) with a 429. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details: ErrorDetail[] = []) => new ApiError(400, "invalid_argument", message, details);
export const unauthenticated = (message = "missing or invalid credentials: send grpc-metadata-email and grpc-metadata-developer_key") =>
  new ApiError(401, "unauthenticated", message);
export const forbidden = (message = "this action requires a system admin") => new ApiError(403, "permission_denied", message);
export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);
export const conflict = (message: string, details: ErrorDetail[] = []) => new ApiError(409, "already_exists", message, details);
export const unavailable = (message: string) => new ApiError(503, "unavailable", message);
