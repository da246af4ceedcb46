import { createRequire } from "node:module";
import type { SqliteDatabase } from "./sqlite.js";

/**
 * Opens a better-sqlite3 database for tests (":memory:" or a file). Library code never opens
 * databases itself; the composition root does, as this helper does for tests.
 */
export function openTestDatabase(path = ":memory:"): SqliteDatabase & { close(): void } {
  const require = createRequire(import.meta.url);
  const Database = require("better-sqlite3") as new (p: string) => SqliteDatabase & { close(): void };
  return new Database(path);
}
