/**
 * What both databases' migration lists share. Each store keeps its own SQL, with the same versions and
 * names, so that a version means the same schema whichever database holds it.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}

export class SchemaTooNewError extends Error {
  override readonly name = "SchemaTooNewError";
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `The database is at schema version ${found}, newer than this opsbot knows (${known}): a newer release wrote it. Run that release, or point OPSBOT_DB at another file.`,
    );
  }
}

/** Versions are 1, 2, 3… in order: a gap or a swap would skip a migration or apply one twice. */
export function checkNumbering(migrations: readonly Migration[]): void {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1)
      throw new Error(`migration ${migration.name} is version ${migration.version}, expected ${i + 1}`);
  });
}
