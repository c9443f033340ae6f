export { envSchema, type Config, type EnvInput } from "./env-schema.js";
export { loadConfig, loadConfigOrExit, ConfigError } from "./load-config.js";
export { displayUrl } from "./display-url.js";
