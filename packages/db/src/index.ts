export { createDb, directExecute, directQuery, directTransaction, pingDatabase, type Db, type DirectTransaction } from "./client.js";
export { watchDatabase, type DatabaseWatch } from "./watch-database.js";
export { sqlStateOf, isDataError, isForeignKeyViolation, isUniqueViolation, databaseErrorSummary } from "./database-errors.js";
export { oneOf, recordedWithin, newestFirstPage, pageWindow, type Page } from "./list-queries.js";
export { GroupCommit, type GroupCommitOptions } from "./group-commit.js";
export { migrate, ensureDatabase, MIGRATIONS_DIR, type MigrationResult } from "./migrate.js";
export * from "./generated/client.js";
export type * from "./generated/models.js";
