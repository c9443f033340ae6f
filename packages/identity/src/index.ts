export { generateDeveloperKey, hashDeveloperKey, developerKeyMatches } from "./developer-keys.js";
export { authenticate, createUser, listUsers, ensureBootstrapAdmin, DEFAULT_WORKSPACE_NAME, type NewUser } from "./users.js";
export { canSeeWorkspace, visibleWorkspaces, visibleAmong, targetWorkspace, type Principal } from "./principal.js";
export { createWorkspace, listWorkspaces, setFeatureFlag, isFlagEnabled, updateWorkspaceSettings, workspaceExists } from "./workspaces.js";
export { SignInThrottle, SignInThrottledError, clientAddressKey, type SignInThrottleSettings } from "./sign-in-throttle.js";
export { signIn, type SignInAttempt } from "./sign-in.js";
export { PrincipalCache, announcePrincipalChange, principalChannel, type PrincipalCacheSettings } from "./principal-cache.js";
export { SESSION_COOKIE, startSession, principalOfSession, endSession, describeSignedInUser } from "./sessions.js";
