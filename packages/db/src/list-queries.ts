/**
 * The pieces every list route's query shares. Prisma reads an `undefined` condition as "no
 * condition", so an empty filter list or an open time bound simply drops out of the query.
 */

/** Matches any of the values; no condition when there are none. */
export const oneOf = <T>(values: readonly T[]): { in: T[] } | undefined => (values.length ? { in: [...values] } : undefined);

/** Rows recorded in [since, until); either bound may be open. */
export const recordedWithin = (since?: Date, until?: Date): { gte?: Date; lt?: Date } | undefined =>
  since || until ? { gte: since, lt: until } : undefined;

/** Which page of a list, counted from 1, of how many rows. */
export interface Page {
  pageLimit: number;
  pageNumber: number;
}

/** Prisma's take/skip for one page. */
export const pageWindow = (page: Page) => ({ take: page.pageLimit, skip: (page.pageNumber - 1) * page.pageLimit });

/** One page, newest first; the id breaks ties between rows recorded in the same millisecond. */
export const newestFirstPage = (page: Page) => ({
  orderBy: [{ createdAt: "desc" as const }, { id: "desc" as const }],
  ...pageWindow(page),
});
