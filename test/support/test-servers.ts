// The PostgreSQL and Redis servers the tests use, as global-setup.ts resolved them: TEST_DATABASE_URL
// (the server's maintenance database) and TEST_REDIS_URL, or the local defaults it holds. The one
// place a test reads them.
function resolved(name: "TEST_DATABASE_URL" | "TEST_REDIS_URL"): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\` (its global setup sets it)`);
  return value;
}

/** The maintenance database URL of the tests' PostgreSQL server. */
export function testPostgresUrl(): string {
  return resolved("TEST_DATABASE_URL");
}

export function testRedisUrl(): string {
  return resolved("TEST_REDIS_URL");
}
