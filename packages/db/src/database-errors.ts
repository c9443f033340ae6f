import pg from "pg";

/** The SQLSTATE PostgreSQL answered, as pg or Prisma's driver adapter passes it on; undefined for other errors. */
export function sqlStateOf(error: unknown): string | undefined {
  if (error instanceof pg.DatabaseError) return error.code;
  const code = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } } | undefined)?.meta?.driverAdapterError
    ?.cause?.originalCode;
  return typeof code === "string" ? code : undefined;
}

/**
 * Errors caused by the data of a statement rather than by the database's state: cardinality (21),
 * data exceptions (22) and integrity constraints (23). Only these can be cured by leaving a row out.
 */
export function isDataError(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && ["21", "22", "23"].includes(state.slice(0, 2));
}

/** A unique constraint refused the row (Prisma's P2002): the name or id is taken. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === "P2002" || sqlStateOf(error) === "23505";
}

/**
 * One line for a person: Prisma wraps a driver's "Can't reach database server at …" in several
 * lines of invocation context; its meta carries the driver's own message.
 */
export function databaseErrorSummary(error: unknown): string {
  const meta = (error as { meta?: { message?: unknown } } | undefined)?.meta;
  if (typeof meta?.message === "string" && meta.message) return meta.message;
  const lines = String(error instanceof Error ? error.message : error)
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const last = lines.at(-1) ?? "unknown error";
  // "Raw query failed. Code: `N/A`. Message: `Can't reach database server at …`": the driver's part.
  return /Message: `(.+)`\.?$/.exec(last)?.[1] ?? last;
}

/** A foreign key refused the row: what it points at does not exist (or no longer does). */
export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === "P2003" || sqlStateOf(error) === "23503";
}
