export { type Migration, SchemaTooNewError } from "./migration.js";
export { openSqliteStore, type SqliteStoreOptions } from "./sqlite/index.js";
export { MIGRATIONS } from "./sqlite/migrations.js";
export type * from "./types.js";
