import { openPostgresStore } from "./postgres/index.js";
import { openSqliteStore } from "./sqlite/index.js";
import type { Store } from "./types.js";

export { type Migration, SchemaTooNewError } from "./migration.js";
export {
  openPostgresStore,
  POSTGRES_CONNECT_TIMEOUT_MS,
  type PostgresStoreOptions,
} from "./postgres/index.js";
export { POSTGRES_MIGRATIONS } from "./postgres/migrations.js";
export { openSqliteStore, type SqliteStoreOptions } from "./sqlite/index.js";
export { StoreLocationError } from "./sqlite/location.js";
export { MIGRATIONS } from "./sqlite/migrations.js";
export type * from "./types.js";

export interface OpenStoreOptions {
  /** PostgreSQL only: the schema to keep the tables in (see PostgresStoreOptions). */
  readonly schema?: string;
  /** SQLite only: how long a write waits for another connection's transaction. */
  readonly busyTimeoutMs?: number;
}

/** Whether `location` names a PostgreSQL database rather than an SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * The store at `location`: PostgreSQL for a `postgres://` or `postgresql://` URL, otherwise an SQLite
 * file (or `:memory:`).
 */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(location))
    return openPostgresStore({
      url: location,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
    });
  return openSqliteStore({
    path: location,
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
  });
}
