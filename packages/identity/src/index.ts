export { generateDeveloperKey, hashDeveloperKey, developerKeyMatches } from "./developer-keys.js";
export { authenticate, createUser, ensureBootstrapAdmin, DEFAULT_WORKSPACE_NAME, type Principal, type NewUser } from "./users.js";
