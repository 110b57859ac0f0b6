export { openSqliteStore, type SqliteStoreOptions } from "./sqlite/index.js";
export { SchemaTooNewError } from "./sqlite/migrations.js";
export type * from "./types.js";
