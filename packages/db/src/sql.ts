/**
 * For raw SQL: now, as a `timestamp` in UTC. Prisma stores DateTime in `timestamp(3)` columns as
 * UTC, so raw statements must write the same, whatever the session's TimeZone.
 */
export const SQL_UTC_NOW = "(now() AT TIME ZONE 'UTC')";

/** For raw SQL: an ISO-8601 text (a parameter like `$5`, or a text column) as a UTC `timestamp`, the way Prisma stores it. */
export const sqlUtcTimestamp = (parameter: string) => `(${parameter}::timestamptz AT TIME ZONE 'UTC')`;
