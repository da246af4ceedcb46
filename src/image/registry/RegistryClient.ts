import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { EngineError, invalidArgument } from "../../errors/EngineError.js";
import { parseWwwAuthenticate } from "./authChallenge.js";
import type { CredentialHelperOptions } from "./credentialHelper.js";
import type { Credentials } from "./dockerConfig.js";
import { readCredentials } from "./dockerConfig.js";
import type { RegistryHost, RegistryHostOptions } from "./hostConfig.js";
import { resolveRegistryHost } from "./hostConfig.js";
import { HttpTransport, isTransientNetworkError, isTransientStatus, readBody } from "./httpTransport.js";
import type { HttpResponse } from "./httpTransport.js";
import { parseErrorBody, registryError } from "./registryErrors.js";
import type { RegistryOperation } from "./registryErrors.js";

/**
 * A distribution-spec client for one registry host. It owns the auth state: it answers
 * `WWW-Authenticate` challenges (Bearer: a token fetched from the realm for the request's
 * scope, anonymously or with Basic credentials; Basic: the credentials directly), caches tokens
 * per scope, and retries transient failures (connection resets, 429/5xx) with backoff.
 * Higher-level flows (pull, push, login) are separate functions over this client.
 */
export interface RegistryClientOptions {
  credentials?: Credentials;
  userAgent?: string;
  /** Attempts for a transient failure, first one included (default 4). */
  attempts?: number;
  /** Base delay of the exponential backoff between attempts (default 250 ms). */
  retryDelayMs?: number;
  /** Idle timeout of a connection (default 60 s). */
  idleTimeoutMs?: number;
}

export interface ClientForHostOptions extends RegistryClientOptions {
  hostOptions?: RegistryHostOptions;
  /** Docker client config to read credentials from (e.g. ~/.docker/config.json). */
  configPath?: string;
  /** How a credential helper named by that config is run (timeout, environment). */
  credentialHelper?: CredentialHelperOptions;
}

export interface Scope { repository: string; actions: ("pull" | "push")[] }

export interface RegistryRequest {
  method: "GET" | "HEAD" | "PUT" | "POST" | "PATCH" | "DELETE";
  /** A path below the registry root ("/v2/...") or an absolute URL (upload locations). */
  path: string;
  headers?: Record<string, string>;
  /** Made anew for each attempt, so a retried upload resends its bytes. */
  body?: () => Buffer | Readable | Promise<Buffer | Readable>;
  scopes: Scope[];
  /** Context for error messages. */
  op: RegistryOperation;
  what: string;
  /** Statuses the caller handles itself (everything else non-2xx becomes an EngineError). */
  accept?: number[];
}

interface CachedToken { token: string; expiresAt: number }

export class RegistryClient {
  readonly host: RegistryHost;
  private readonly transport: HttpTransport;
  private credentials?: Credentials;
  private readonly tokens = new Map<string, CachedToken>();
  /** Set once the registry asked for Basic auth: later requests send it up front. */
  private basic = false;
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly userAgent: string;

  constructor(host: RegistryHost, opts: RegistryClientOptions = {}) {
    this.host = host;
    this.credentials = opts.credentials;
    this.transport = new HttpTransport(host.tls, opts.idleTimeoutMs);
    this.attempts = opts.attempts ?? 4;
    this.retryDelayMs = opts.retryDelayMs ?? 250;
    this.userAgent = opts.userAgent ?? "berth/0.1";
  }

  /** Resolves the host's scheme/TLS and reads credentials from the Docker config when given. */
  static async forHost(name: string, opts: ClientForHostOptions = {}): Promise<RegistryClient> {
    const host = await resolveRegistryHost(name, opts.hostOptions);
    let credentials = opts.credentials;
    if (!credentials && opts.configPath) credentials = await readCredentials(opts.configPath, host.credentialKey, opts.credentialHelper);
    return new RegistryClient(host, { ...opts, credentials });
  }

  get baseUrl(): string {
    const h = this.host.apiHost.includes(":") && !this.host.apiHost.includes("]") && this.host.apiHost.split(":").length > 2 ? `[${this.host.apiHost}]` : this.host.apiHost;
    return `${this.host.scheme}://${h}`;
  }

  close(): void {
    this.transport.close();
  }

  /** `GET /v2/`: checks the registry speaks the v2 API and the credentials (if any) work. */
  async ping(op: RegistryOperation = { op: "ping", name: this.host.name }): Promise<void> {
    const res = await this.request({ method: "GET", path: "/v2/", scopes: [], op, what: "/v2/ ping" });
    res.body.resume();
  }

  /** Sends a request with auth and retries; non-accepted error statuses throw EngineError. */
  async request(req: RegistryRequest): Promise<HttpResponse> {
    let authRetried = false;
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        const headers: Record<string, string> = { "User-Agent": this.userAgent, ...(req.headers ?? {}) };
        const auth = this.authorizationFor(req.scopes);
        if (auth) headers.Authorization = auth;
        const body = req.body ? await req.body() : undefined;
        const url = new URL(req.path, this.baseUrl + "/");
        res = await this.transport.send({ method: req.method, url, headers, body });
      } catch (e) {
        if (isTransientNetworkError(e) && attempt < this.attempts) {
          await delay(this.backoff(attempt));
          continue;
        }
        throw wrapNetworkError(e, req);
      }
      if (res.status === 401) {
        const challenge = res.headers["www-authenticate"];
        if (!authRetried && challenge && (await this.answerChallenge(challenge, req))) {
          res.body.resume();
          authRetried = true;
          attempt--; // an auth round-trip is not a failed attempt
          continue;
        }
        const body = req.method === "HEAD" ? Buffer.alloc(0) : await readBody(res.body, 1 << 20).catch(() => Buffer.alloc(0));
        const items = parseErrorBody(body);
        throw registryError(401, items.length ? items : [{ code: "UNAUTHORIZED", message: "authentication required" }], req.op, req.what);
      }
      if (isTransientStatus(res.status) && attempt < this.attempts && !(req.accept ?? []).includes(res.status)) {
        res.body.resume();
        await delay(this.backoff(attempt, res.headers["retry-after"]));
        continue;
      }
      if ((res.status >= 200 && res.status < 300) || (req.accept ?? []).includes(res.status)) return res;
      const body = req.method === "HEAD" ? Buffer.alloc(0) : await readBody(res.body, 1 << 20).catch(() => Buffer.alloc(0));
      throw registryError(res.status, parseErrorBody(body), req.op, req.what);
    }
  }

  private backoff(attempt: number, retryAfter?: string): number {
    const ra = retryAfter ? Number(retryAfter) : NaN;
    if (Number.isFinite(ra) && ra >= 0) return Math.min(ra * 1000, 10_000);
    return this.retryDelayMs * 2 ** (attempt - 1);
  }

  private authorizationFor(scopes: Scope[]): string | undefined {
    if (this.basic && this.credentials) return basicHeader(this.credentials);
    const t = this.tokens.get(scopeKey(scopes));
    if (t && t.expiresAt > Date.now()) return `Bearer ${t.token}`;
    return undefined;
  }

  /** Returns true when a retry with new credentials makes sense. */
  private async answerChallenge(header: string, req: RegistryRequest): Promise<boolean> {
    const challenges = parseWwwAuthenticate(header);
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer && bearer.params.realm) {
      const token = await this.fetchToken(bearer.params.realm, bearer.params.service, req, bearer.params.scope);
      this.tokens.set(scopeKey(req.scopes), token);
      return true;
    }
    if (challenges.some((c) => c.scheme === "basic")) {
      // Parallel requests may all meet the challenge; each retries once (authRetried bounds it).
      // An identity token alone is no Basic password.
      if (!this.credentials || (this.credentials.password === "" && this.credentials.identityToken)) return false;
      this.basic = true;
      return true;
    }
    return false;
  }

  private async fetchToken(realm: string, service: string | undefined, req: RegistryRequest, challengeScope?: string): Promise<CachedToken> {
    const url = new URL(realm);
    if (service) url.searchParams.set("service", service);
    const scopes = new Set(req.scopes.map((s) => `repository:${s.repository}:${s.actions.join(",")}`));
    if (challengeScope) for (const s of challengeScope.split(" ")) if (s) scopes.add(s);
    for (const s of scopes) url.searchParams.append("scope", s);
    const headers: Record<string, string> = { "User-Agent": this.userAgent };
    let body: Buffer | undefined;
    const refreshToken = this.credentials?.identityToken;
    if (refreshToken) {
      // An identity token is an OAuth refresh token: Docker trades it with the refresh_token grant
      // (POST, form-encoded) instead of sending a password.
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: "berth" });
      if (service) form.set("service", service);
      if (scopes.size) form.set("scope", [...scopes].join(" "));
      body = Buffer.from(form.toString());
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      headers["Content-Length"] = String(body.length);
      url.search = "";
    } else if (this.credentials) {
      url.searchParams.set("account", this.credentials.username);
      headers.Authorization = basicHeader(this.credentials);
    }
    let res: HttpResponse;
    try {
      res = await this.transport.send({ method: body ? "POST" : "GET", url, headers, ...(body ? { body } : {}) });
    } catch (e) {
      throw new EngineError("Unavailable", `${req.op.op} ${req.op.name}: fetch auth token from ${url.origin}${url.pathname}: ${(e as Error).message}`, { cause: e });
    }
    const answer = await readBody(res.body, 1 << 20);
    if (res.status === 401 || res.status === 403 || (refreshToken && res.status === 400)) throw registryError(res.status === 400 ? 401 : res.status, parseErrorBody(answer), req.op, req.what);
    if (res.status !== 200) throw new EngineError("Unavailable", `${req.op.op} ${req.op.name}: fetch auth token: HTTP ${res.status}`);
    let parsed: { token?: string; access_token?: string; expires_in?: number };
    try {
      parsed = JSON.parse(answer.toString("utf8"));
    } catch {
      throw new EngineError("Unavailable", `${req.op.op} ${req.op.name}: fetch auth token: response is not JSON`);
    }
    const token = parsed.token || parsed.access_token;
    if (!token) throw new EngineError("Unavailable", `${req.op.op} ${req.op.name}: fetch auth token: response has no token`);
    const lifetime = Math.max(60, parsed.expires_in ?? 60) * 1000;
    return { token, expiresAt: Date.now() + lifetime - 10_000 };
  }

  // ---- manifests ----

  /** Fetches a manifest or index by tag or digest; verifies its digest. */
  async getManifest(repository: string, reference: string, accept: string[], op: RegistryOperation): Promise<{ bytes: Buffer; mediaType: string; digest: string }> {
    const res = await this.request({
      method: "GET", path: `/v2/${repository}/manifests/${reference}`, headers: { Accept: accept.join(", ") },
      scopes: [{ repository, actions: ["pull"] }], op, what: `manifest ${reference}`,
    });
    const bytes = await readBody(res.body, 4 * 1024 * 1024);
    const computed = "sha256:" + createHash("sha256").update(bytes).digest("hex");
    const claimed = reference.includes(":") ? reference : headerString(res.headers["docker-content-digest"]);
    if (claimed && claimed.startsWith("sha256:") && claimed !== computed) {
      throw invalidArgument(`pull ${op.name}: manifest ${reference}: digest mismatch (expected ${claimed}, got ${computed})`);
    }
    if (claimed && !claimed.startsWith("sha256:")) throw new EngineError("NotImplemented", `pull ${op.name}: manifest digest algorithm of ${claimed} is not supported`);
    let mediaType = headerString(res.headers["content-type"])?.split(";")[0]?.trim() ?? "";
    try {
      const parsed = JSON.parse(bytes.toString("utf8"));
      if (typeof parsed.mediaType === "string") mediaType = parsed.mediaType;
      else if (Array.isArray(parsed.manifests) && (!mediaType || mediaType === "application/json")) mediaType = "application/vnd.oci.image.index.v1+json";
      else if (parsed.config && (!mediaType || mediaType === "application/json")) mediaType = "application/vnd.oci.image.manifest.v1+json";
    } catch {
      throw invalidArgument(`pull ${op.name}: manifest ${reference}: not valid JSON`);
    }
    return { bytes, mediaType, digest: computed };
  }

  async putManifest(repository: string, tagOrDigest: string, bytes: Buffer, mediaType: string, op: RegistryOperation): Promise<string> {
    const res = await this.request({
      method: "PUT", path: `/v2/${repository}/manifests/${tagOrDigest}`,
      headers: { "Content-Type": mediaType, "Content-Length": String(bytes.length) }, body: () => bytes,
      scopes: [{ repository, actions: ["pull", "push"] }], op, what: `manifest ${tagOrDigest}`,
    });
    res.body.resume();
    return headerString(res.headers["docker-content-digest"]) ?? "sha256:" + createHash("sha256").update(bytes).digest("hex");
  }

  // ---- blobs ----

  /** Size of a blob in the repository, or undefined when absent. */
  async headBlob(repository: string, digest: string, op: RegistryOperation, actions: Scope["actions"] = ["pull"]): Promise<number | undefined> {
    const res = await this.request({ method: "HEAD", path: `/v2/${repository}/blobs/${digest}`, scopes: [{ repository, actions }], op, what: `blob ${digest}`, accept: [404] });
    res.body.resume();
    if (res.status === 404) return undefined;
    return Number(res.headers["content-length"] ?? NaN);
  }

  /** Opens a blob from `offset` (a Range request when > 0). The caller consumes the body. */
  async openBlob(repository: string, digest: string, offset: number, op: RegistryOperation): Promise<HttpResponse> {
    const headers: Record<string, string> = {};
    if (offset > 0) headers.Range = `bytes=${offset}-`;
    return this.request({ method: "GET", path: `/v2/${repository}/blobs/${digest}`, headers, scopes: [{ repository, actions: ["pull"] }], op, what: `blob ${digest}` });
  }
}

export function scopeKey(scopes: Scope[]): string {
  return scopes.map((s) => `${s.repository}:${[...s.actions].sort().join(",")}`).sort().join(" ");
}

function basicHeader(c: Credentials): string {
  return "Basic " + Buffer.from(`${c.username}:${c.password}`).toString("base64");
}

export function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function wrapNetworkError(e: unknown, req: RegistryRequest): EngineError {
  if (e instanceof EngineError) return e;
  const err = e as NodeJS.ErrnoException;
  return new EngineError("Unavailable", `${req.op.op} ${req.op.name}: ${req.what}: ${err.code ? err.code + " " : ""}${err.message}`, { cause: e });
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
