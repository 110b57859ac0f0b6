export { type Migration, SchemaTooNewError } from "./migration.js";
export { openPostgresStore, type PostgresStoreOptions } from "./postgres/index.js";
export { POSTGRES_MIGRATIONS } from "./postgres/migrations.js";
export { openSqliteStore, type SqliteStoreOptions } from "./sqlite/index.js";
export { MIGRATIONS } from "./sqlite/migrations.js";
export type * from "./types.js";
