// `npm run create-admin -- <email> [workspace-name]`: a new system admin; prints the developer key once.
import { loadConfigOrExit } from "@modelhooks/config";
import { createDb, migrate } from "@modelhooks/db";
import { createUser, DEFAULT_WORKSPACE_NAME } from "@modelhooks/identity";

const [email, workspaceName = DEFAULT_WORKSPACE_NAME] = process.argv.slice(2);
if (!email) {
  process.stderr.write("usage: npm run create-admin -- <email> [workspace-name]\n");
  process.exit(2);
}
const config = loadConfigOrExit();
const target = new URL(config.DATABASE_URL);
// Said first, so a person who meant another database sees it before the key is printed.
const database = `database ${decodeURIComponent(target.pathname.slice(1))} on ${target.hostname}:${target.port || 5432}`;
try {
  await migrate(config.DATABASE_URL);
} catch (error) {
  process.stderr.write(`cannot prepare the ${database}: ${(error as Error).message} (is PostgreSQL running, and is DATABASE_URL right?)\n`);
  process.exit(1);
}
const db = createDb(config.DATABASE_URL);
try {
  const workspace = await db.workspace.upsert({ where: { name: workspaceName }, create: { name: workspaceName }, update: {} });
  const user = await createUser(db, { email, workspaceIds: [workspace.id], systemAdmin: true });
  process.stdout.write(
    `created system admin ${user.email} (id ${user.id}) in workspace ${workspace.name}, ${database}\ndeveloper key (shown once): ${user.developerKey}\n`,
  );
} catch (error) {
  process.stderr.write(`could not create the admin in the ${database}: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await db.$disconnect();
}
