import { readFileSync } from "node:fs";
import { expect, it } from "@jest/globals";
import { API_DOC, withCurrentReference } from "../../scripts/docs/api-reference.js";

// docs/api.md's route reference is generated from the route table and the request schemas; a
// route or field added without `npm run docs:api` fails here instead of leaving the doc behind.
it("docs/api.md lists every route and field as the code has them", () => {
  const document = readFileSync(API_DOC, "utf8");
  expect(document).toBe(withCurrentReference(document));
});
