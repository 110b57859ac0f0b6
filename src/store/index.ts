export { openSqliteStore, type SqliteStoreOptions } from "./sqlite/index.js";
export { MIGRATIONS, type Migration, SchemaTooNewError } from "./sqlite/migrations.js";
export type * from "./types.js";
