/** A refusal the API answers as 4xx; `field` names the offending input when there is one. */
export class RegistryError extends Error {
  constructor(
    readonly kind: "not_found" | "conflict" | "invalid" | "forbidden",
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "RegistryError";
  }
}

export const notFound = (what: string) => new RegistryError("not_found", `${what} not found`);
