export const MAX_JSON_DEPTH = 64;

export interface UnstorableValue {
  /** Field names from the root down; empty for the root itself. */
  path: string[];
  message: string;
}

// A lone UTF-16 surrogate cannot be encoded as UTF-8: jsonb refuses its \u escape and text columns
// would silently get U+FFFD. NUL (U+0000) is refused by both text and jsonb.
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE_CHARACTER = /[\u0000]|\p{Surrogate}/u;

function describeCharacterProblem(text: string): string | null {
  const match = UNSTORABLE_CHARACTER.exec(text);
  if (!match) return null;
  return match[0] === "\u0000" ? "must not contain NUL characters" : "must be valid Unicode (it holds an unpaired surrogate)";
}

/**
 * What JSON allows but PostgreSQL cannot store: NUL characters, unpaired surrogates, and nesting
 * so deep that serialising it overflows the stack. Returns the first such place, or null.
 */
export function findUnstorable(value: unknown, path: string[] = [], depth = 0): UnstorableValue | null {
  if (typeof value === "string") {
    const problem = describeCharacterProblem(value);
    return problem ? { path, message: problem } : null;
  }
  if (value === null || typeof value !== "object") return null;
  if (depth >= MAX_JSON_DEPTH) return { path, message: `nested more than ${MAX_JSON_DEPTH} levels deep` };
  for (const [key, item] of Object.entries(value)) {
    const next = [...path, key];
    const keyProblem = describeCharacterProblem(key);
    if (keyProblem) return { path: next, message: `field name ${keyProblem}` };
    const found = findUnstorable(item, next, depth + 1);
    if (found) return found;
  }
  return null;
}
