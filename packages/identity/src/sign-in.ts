import type { Db } from "@modelhooks/db";
import type { PrincipalCache } from "./principal-cache.js";
import type { SignInThrottle } from "./sign-in-throttle.js";
import type { Principal } from "./principal.js";
import { authenticate } from "./users.js";

export interface SignInAttempt {
  email: string;
  developerKey: string;
  /** The client's address as the API sees it (the socket's peer, or what a trusted proxy says). */
  clientAddress: string | undefined;
}

/**
 * Every credential kind (Verta headers, Bearer, HTTP Basic) signs in here. A throttled attempt is
 * refused before its key is looked at, so guessing stops rather than merely slowing; a failure is
 * counted, a success costs nothing. A recent success with the same key is answered from the
 * principal cache instead of PostgreSQL.
 */
export async function signIn(
  db: Db,
  throttle: SignInThrottle,
  attempt: SignInAttempt,
  cache?: PrincipalCache,
): Promise<Principal | undefined> {
  await throttle.assertAllowed(attempt.clientAddress, attempt.email);
  const cached = cache?.get(attempt.email, attempt.developerKey);
  if (cached) return cached;
  const ticket = cache?.ticket() ?? 0;
  const principal = await authenticate(db, attempt.email, attempt.developerKey);
  if (!principal) await throttle.recordFailure(attempt.clientAddress, attempt.email);
  else cache?.set(attempt.email, attempt.developerKey, principal, ticket);
  return principal;
}
