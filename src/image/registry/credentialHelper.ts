import { spawn } from "node:child_process";
import { EngineError, invalidArgument } from "../../errors/EngineError.js";

/**
 * Docker's credential-helper protocol (docker/docker-credential-helpers): a program
 * `docker-credential-<name>` found on PATH, run with one action as its argument.
 *   get    stdin: the server URL; stdout: {"ServerURL","Username","Secret"}. Username "<token>"
 *          means Secret is an identity token (an OAuth refresh token), not a password.
 *   store  stdin: {"ServerURL","Username","Secret"}.
 *   erase  stdin: the server URL.
 * A failing helper exits non-zero with its message on stdout; "credentials not found in native
 * keychain" means there is nothing for that server (not an error for get and erase).
 */
export interface HelperCredentials {
  username: string;
  /** The password; empty when the helper holds an identity token instead. */
  password: string;
  identityToken?: string;
}

export interface CredentialHelperOptions {
  /** How long one helper run may take (default 30 s: a keychain may prompt the user). */
  timeoutMs?: number;
  /** Environment for the helper (default: this process's); PATH decides which program runs. */
  env?: NodeJS.ProcessEnv;
}

/** Docker's marker in `Username` for an identity token held in `Secret`. */
export const TOKEN_USERNAME = "<token>";
const NOT_FOUND = "credentials not found in native keychain";
const MAX_OUTPUT = 1 << 20;

export class CredentialHelper {
  readonly name: string;
  /** The program run: `docker-credential-<name>`. */
  readonly program: string;
  private readonly timeoutMs: number;
  private readonly env: NodeJS.ProcessEnv | undefined;

  constructor(name: string, opts: CredentialHelperOptions = {}) {
    // The name becomes part of a program looked up on PATH: no path separators, no options.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw invalidArgument(`credential helper: invalid helper name ${JSON.stringify(name)} (docker-credential-<name> must be a program on PATH)`);
    this.name = name;
    this.program = `docker-credential-${name}`;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.env = opts.env;
  }

  /** The credentials the helper holds for `serverURL`, or undefined when it has none. */
  async get(serverURL: string): Promise<HelperCredentials | undefined> {
    const r = await this.run("get", serverURL);
    if (r.code !== 0) {
      if (isNotFound(r)) return undefined;
      throw this.failure("get credentials for", serverURL, r);
    }
    let parsed: { Username?: unknown; Secret?: unknown };
    try {
      parsed = JSON.parse(r.stdout);
    } catch {
      throw new EngineError("Unavailable", `get credentials for ${serverURL}: ${this.program} get: output is not JSON`);
    }
    if (typeof parsed !== "object" || parsed === null) throw new EngineError("Unavailable", `get credentials for ${serverURL}: ${this.program} get: output is not a JSON object`);
    const username = typeof parsed.Username === "string" ? parsed.Username : "";
    const secret = typeof parsed.Secret === "string" ? parsed.Secret : "";
    if (username === TOKEN_USERNAME) return { username: "", password: "", identityToken: secret };
    // Some helpers answer an empty object rather than "not found".
    if (username === "" && secret === "") return undefined;
    return { username, password: secret };
  }

  /** Stores credentials for `serverURL` (an identity token goes as Username "<token>", like docker). */
  async store(serverURL: string, creds: HelperCredentials): Promise<void> {
    const body = creds.identityToken
      ? { ServerURL: serverURL, Username: TOKEN_USERNAME, Secret: creds.identityToken }
      : { ServerURL: serverURL, Username: creds.username, Secret: creds.password };
    const r = await this.run("store", JSON.stringify(body) + "\n");
    if (r.code !== 0) throw this.failure("store credentials for", serverURL, r);
  }

  /** Removes the credentials for `serverURL`; false when the helper had none. */
  async erase(serverURL: string): Promise<boolean> {
    const r = await this.run("erase", serverURL);
    if (r.code === 0) return true;
    if (isNotFound(r)) return false;
    throw this.failure("erase credentials for", serverURL, r);
  }

  private failure(action: string, serverURL: string, r: RunResult): EngineError {
    const text = (r.stdout.trim() || r.stderr.trim()).slice(0, 500);
    const how = r.signal ? `killed by ${r.signal}` : `exit status ${r.code}`;
    return new EngineError("Unavailable", `${action} ${serverURL}: credential helper ${this.program} failed (${how})${text ? `: ${text}` : ""}`);
  }

  private run(action: "get" | "store" | "erase", input: string): Promise<RunResult> {
    const what = `${action} credentials`;
    return new Promise((resolve, reject) => {
      let child;
      try {
        child = spawn(this.program, [action], { stdio: ["pipe", "pipe", "pipe"], env: this.env ?? process.env });
      } catch (e) {
        reject(this.spawnError(what, e));
        return;
      }
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outLen = 0;
      let errLen = 0;
      let timedOut = false;
      let settled = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, this.timeoutMs);
      child.stdout.on("data", (d: Buffer) => {
        if (outLen < MAX_OUTPUT) out.push(d);
        outLen += d.length;
      });
      child.stderr.on("data", (d: Buffer) => {
        if (errLen < MAX_OUTPUT) err.push(d);
        errLen += d.length;
      });
      // A helper that exits without reading stdin makes the write fail with EPIPE: its exit status tells.
      child.stdin.on("error", () => {});
      child.once("error", (e) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          reject(this.spawnError(what, e));
        }
      });
      child.once("close", (code, signal) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        if (timedOut) {
          reject(new EngineError("Unavailable", `${what}: credential helper ${this.program} ${action} did not finish within ${this.timeoutMs} ms (killed)`));
          return;
        }
        if (outLen > MAX_OUTPUT) {
          reject(new EngineError("Unavailable", `${what}: credential helper ${this.program} ${action} wrote more than ${MAX_OUTPUT} bytes`));
          return;
        }
        resolve({ code, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
      });
      child.stdin.end(input);
    });
  }

  private spawnError(what: string, e: unknown): EngineError {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return new EngineError("FailedPrecondition", `${what}: credential helper ${this.program} not found in PATH (configured by credsStore/credHelpers in the docker config)`, { cause: e });
    if (code === "EACCES") return new EngineError("FailedPrecondition", `${what}: credential helper ${this.program} is not executable`, { cause: e });
    return new EngineError("Unavailable", `${what}: run credential helper ${this.program}: ${(e as Error).message}`, { cause: e });
  }
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function isNotFound(r: RunResult): boolean {
  return r.stdout.includes(NOT_FOUND) || r.stderr.includes(NOT_FOUND);
}
