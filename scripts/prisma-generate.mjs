// `prisma generate` needs no schema engine, but Prisma 7's CLI tries to download one unless
// PRISMA_SCHEMA_ENGINE_BINARY names an existing file; offline machines cannot download it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
const result = spawnSync("npx", ["--no-install", "prisma", "generate"], { stdio: ["ignore", "ignore", "inherit"], env });
process.exit(result.status ?? 1);
