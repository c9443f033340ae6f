/**
 * What a domain package refuses, by kind; the API maps each kind to one HTTP status and one error
 * code (apps/api error handler), so the same failure answers the same way wherever it happens.
 * The kinds are gRPC's canonical codes, as Verta's API answers them.
 */
export type DomainErrorKind =
  | "invalid_argument" // 400: the request itself is wrong
  | "permission_denied" // 403: the caller may not do this
  | "not_found" // 404: absent, or not visible to the caller (never told apart)
  | "already_exists" // 409: a unique name or id is taken
  | "failed_precondition" // 409: the resource is not in a state that allows this
  | "resource_exhausted"; // 429: a rate limit; `retryAfterMs` says when to come back

export class DomainError extends Error {
  override name = "DomainError";

  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** The input field at fault, when there is one: it becomes the error's `details[0].path`. */
    readonly field?: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new DomainError("not_found", `${what} not found`);
/** `message` is said of `field`: the answer reads "<field>: <message>". */
export const invalidArgument = (field: string, message: string) => new DomainError("invalid_argument", `${field}: ${message}`, field);
export const alreadyExists = (message: string, field?: string) => new DomainError("already_exists", message, field);
export const failedPrecondition = (message: string, field?: string) => new DomainError("failed_precondition", message, field);
export const permissionDenied = (message: string, field?: string) => new DomainError("permission_denied", message, field);
