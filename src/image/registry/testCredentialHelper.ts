import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * For tests: writes `docker-credential-<name>` into `binDir` as a /bin/sh program speaking the
 * helper protocol over files in `<binDir>/<name>-store/` (one JSON file per server URL), and
 * logging each call ("<action> <stdin>") to `<binDir>/<name>.log`. The real docker CLI can use
 * it too, so tests check berth against docker's own use of the protocol.
 */
export interface TestCredentialHelper {
  name: string;
  /** The stored {"ServerURL","Username","Secret"} for a server URL, if any. */
  stored(serverURL: string): Promise<{ ServerURL: string; Username: string; Secret: string } | undefined>;
  /** Calls so far, oldest first, as "action stdin". */
  calls(): Promise<string[]>;
}

export async function writeTestCredentialHelper(binDir: string, name: string): Promise<TestCredentialHelper> {
  await mkdir(binDir, { recursive: true });
  const storeDir = join(binDir, `${name}-store`);
  const log = join(binDir, `${name}.log`);
  await mkdir(storeDir, { recursive: true });
  const script = `#!/bin/sh
store=${shQuote(storeDir)}
input=$(cat)
printf '%s %s\\n' "$1" "$(printf %s "$input" | tr '\\n' ' ')" >> ${shQuote(log)}
key() { printf %s "$1" | od -An -tx1 | tr -d ' \\n'; }
case "$1" in
get)
  f="$store/$(key "$input")"
  if [ -f "$f" ]; then cat "$f"; exit 0; fi
  echo "credentials not found in native keychain"; exit 1 ;;
store)
  url=$(printf %s "$input" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p')
  [ -n "$url" ] || { echo "no credentials server URL"; exit 1; }
  printf %s "$input" > "$store/$(key "$url")" ;;
erase)
  f="$store/$(key "$input")"
  if [ -f "$f" ]; then rm -f "$f"; exit 0; fi
  echo "credentials not found in native keychain"; exit 1 ;;
*)
  echo "unknown action: $1"; exit 2 ;;
esac
`;
  const program = join(binDir, `docker-credential-${name}`);
  await writeFile(program, script);
  await chmod(program, 0o755);
  return {
    name,
    async stored(serverURL) {
      const f = join(storeDir, Buffer.from(serverURL).toString("hex"));
      try {
        return JSON.parse(await readFile(f, "utf8"));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    },
    async calls() {
      try {
        return (await readFile(log, "utf8")).split("\n").filter(Boolean);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw e;
      }
    },
  };
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
