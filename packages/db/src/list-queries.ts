/**
 * The pieces every list route's query shares. Prisma reads an `undefined` condition as "no
 * condition", so an empty filter list or an open time bound simply drops out of the query.
 */

/** Matches any of the values; no condition when there are none. */
export const oneOf = <T>(values: readonly T[]): { in: T[] } | undefined => (values.length ? { in: [...values] } : undefined);

/** Rows recorded in [since, until); either bound may be open. */
export const recordedWithin = (since?: Date, until?: Date): { gte?: Date; lt?: Date } | undefined =>
  since || until ? { gte: since, lt: until } : undefined;

/** One page, newest first; the id breaks ties between rows recorded in the same millisecond. */
export const newestFirstPage = (pageNumber: number, pageLimit: number) => ({
  orderBy: [{ createdAt: "desc" as const }, { id: "desc" as const }],
  skip: (pageNumber - 1) * pageLimit,
  take: pageLimit,
});
