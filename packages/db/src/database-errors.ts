/** The SQLSTATE PostgreSQL answered, as Prisma's driver adapter passes it on; undefined for other errors. */
export function sqlStateOf(error: unknown): string | undefined {
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

/** A foreign key refused the row: what it points at does not exist (or no longer does). */
export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === "P2003" || sqlStateOf(error) === "23503";
}
