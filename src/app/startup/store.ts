import {
  openPostgresStore,
  openSqliteStore,
  POSTGRES_CONNECT_TIMEOUT_MS,
  SchemaTooNewError,
  type Store,
  StoreLocationError,
} from "../../store/index.js";
import type { Config } from "../config.js";
import { errorCodeOf, StartupFailure } from "./failure.js";

/**
 * Opens the store the settings name (PostgreSQL at OPSBOT_DATABASE_URL, else the SQLite file at
 * OPSBOT_DB), or fails with a StartupFailure that says which, why, and what to change.
 */
export async function openConfiguredStore(config: Config): Promise<Store> {
  if (config.database) {
    try {
      return await openPostgresStore({
        url: config.database.url.reveal(),
        ...(config.database.schema ? { schema: config.database.schema } : {}),
        maxConnections: config.database.poolMax,
      });
    } catch (error) {
      throw postgresFailure(error);
    }
  }
  try {
    return openSqliteStore({ path: config.databasePath });
  } catch (error) {
    throw sqliteFailure(config.databasePath, error);
  }
}

function sqliteFailure(path: string, error: unknown): StartupFailure {
  const what = `the SQLite store (OPSBOT_DB=${path})`;
  if (error instanceof SchemaTooNewError)
    return new StartupFailure(
      what,
      `its schema is version ${error.found}, newer than this opsbot knows (${error.known})`,
      "Run the release that wrote it, or point OPSBOT_DB at another file",
    );
  if (error instanceof StoreLocationError)
    return new StartupFailure(
      what,
      `its folder ${error.folder} ${error.reason}`,
      "Point OPSBOT_DB at a file in a folder opsbot can create and write to",
    );
  const code = errorCodeOf(error) ?? "unexpected error";
  const message = error instanceof Error ? error.message : String(error);
  return new StartupFailure(
    what,
    `the file cannot be opened (${code}: ${message})`,
    "Check that the path names a file (not a folder) that opsbot may read and write",
  );
}

/** What went wrong reaching the database, in words an operator can act on (never the URL: it may hold a password). */
function postgresFailure(error: unknown): StartupFailure {
  const what = "the PostgreSQL store (OPSBOT_DATABASE_URL)";
  if (error instanceof SchemaTooNewError)
    return new StartupFailure(
      what,
      `its schema is version ${error.found}, newer than this opsbot knows (${error.known})`,
      "Run the release that wrote it, or point OPSBOT_DATABASE_URL at another database",
    );
  const code = errorCodeOf(error);
  const message = error instanceof Error ? error.message : "";
  if (code === "ECONNREFUSED")
    return new StartupFailure(
      what,
      "the server refused the connection (ECONNREFUSED)",
      "Check that PostgreSQL is running and that the URL's host and port are right",
    );
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new StartupFailure(
      what,
      `the host could not be found (${code})`,
      "Check the host name in the URL",
    );
  if (code === "28P01" || code === "28000")
    return new StartupFailure(
      what,
      "the server refused the credentials",
      "Check the user and password in the URL",
    );
  if (code === "3D000")
    return new StartupFailure(
      what,
      "the server has no such database",
      "Create it, or fix the database name in the URL",
    );
  if (/timeout/i.test(message))
    return new StartupFailure(
      what,
      `the server did not answer within ${POSTGRES_CONNECT_TIMEOUT_MS / 1000} s`,
      "Check that the URL's host and port are right and reachable from here (a firewall may be dropping the connection)",
    );
  return new StartupFailure(
    what,
    `it could not be opened (${code ?? "unexpected error"})`,
    "Check the URL and that the server is up",
  );
}
