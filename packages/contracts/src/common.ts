import { z } from "zod";
import { idSchema } from "./event-schema.js";

/** A filter that takes one value or a list (protobuf JSON clients send either). */
export const listOf = <T extends z.ZodType>(item: T) => z.union([z.array(item), item.transform((value) => [value])]).default([]);

export const idListSchema = listOf(idSchema);

export const locationSchema = z
  .string()
  .max(2048, "must be at most 2048 characters")
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be an absolute http or https URL" });
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") ctx.addIssue({ code: "custom", message: "must use http or https" });
    if (url.username || url.password) ctx.addIssue({ code: "custom", message: "must not contain credentials; use mutual_secret" });
  });

const queryPageCount = z
  .string()
  .regex(/^\d{1,9}$/, "must be a whole number")
  .transform(Number);

/** A list's page in the query string (GET routes): what a browser's address bar carries. */
export const pageQuery = z.strictObject({
  page_limit: queryPageCount.pipe(z.number().min(1).max(200)).default(50),
  page_number: queryPageCount.pipe(z.number().min(1)).default(1),
});

/** A page as the wire spells it (page_limit, page_number), as the code's lists take it. */
export const pageOfQuery = (query: { page_limit: number; page_number: number }) => ({
  pageLimit: query.page_limit,
  pageNumber: query.page_number,
});
