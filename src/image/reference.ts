import { invalidArgument } from "../errors/EngineError.js";

/**
 * Docker image references (distribution/reference grammar) and their normalization:
 * `busybox` → `docker.io/library/busybox:latest`. Error texts are Docker's, so the API layer
 * can pass them through unchanged.
 */
export const DEFAULT_DOMAIN = "docker.io";
export const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
export const OFFICIAL_REPO_PREFIX = "library/";
export const DEFAULT_TAG = "latest";
const NAME_TOTAL_LENGTH_MAX = 255;

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const IPV6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6})(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE_RE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ANCHORED_TAG_RE = new RegExp(`^${TAG}$`);
const ANCHORED_HEX64_RE = /^[a-f0-9]{64}$/;

export interface Reference {
  /** Registry host (with port), e.g. `docker.io`, `localhost:5000`. */
  domain: string;
  /** Repository path inside the registry, e.g. `library/busybox`. */
  path: string;
  tag?: string;
  digest?: string;
}

export const ERR_REFERENCE_INVALID_FORMAT = "invalid reference format";

function formatError(detail?: string): Error {
  return invalidArgument(detail ? `${ERR_REFERENCE_INVALID_FORMAT}: ${detail}` : ERR_REFERENCE_INVALID_FORMAT);
}

/** Splits `name` into domain and remainder the way Docker does (splitDockerDomain). */
function splitDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf("/");
  let domain: string;
  let remainder: string;
  if (i === -1 || (!/[.:]/.test(name.slice(0, i)) && name.slice(0, i) !== "localhost" && name.slice(0, i).toLowerCase() === name.slice(0, i))) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    domain = name.slice(0, i);
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes("/")) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/**
 * Parses a reference as a user types it (ParseNormalizedNamed): fills in docker.io and
 * library/, but no default tag (see withDefaultTag). Digests must be sha256/sha512 of the right
 * length.
 */
export function parseReference(input: string): Reference {
  if (typeof input !== "string" || input.length === 0) throw formatError();
  if (ANCHORED_HEX64_RE.test(input)) {
    throw invalidArgument(`invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDomain(input);
  // Docker checks case on the repository part (before any tag) ahead of the grammar.
  const tagSep = remainder.indexOf(":");
  const remoteName = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remoteName.toLowerCase() !== remoteName) throw formatError(`repository name (${remoteName}) must be lowercase`);
  const m = REFERENCE_RE.exec(`${domain}/${remainder}`);
  if (!m) throw formatError();
  const name = m[1]!;
  if (name.length > NAME_TOTAL_LENGTH_MAX) throw formatError(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  const slash = name.indexOf("/");
  const ref: Reference = { domain: name.slice(0, slash), path: name.slice(slash + 1) };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) {
    const d = m[3];
    const [alg, hex] = d.split(":") as [string, string];
    const want = alg === "sha256" ? 64 : alg === "sha512" ? 128 : -1;
    if (want === -1) throw invalidArgument(`invalid reference format: unsupported digest algorithm`);
    if (hex.length !== want || hex !== hex.toLowerCase()) throw invalidArgument(`invalid reference format: invalid checksum digest length`);
    ref.digest = d;
  }
  return ref;
}

/** Adds `:latest` when the reference has neither tag nor digest (TagNameOnly). */
export function withDefaultTag(ref: Reference): Reference {
  if (ref.tag === undefined && ref.digest === undefined) return { ...ref, tag: DEFAULT_TAG };
  return ref;
}

/** Parses and normalizes in one go: `busybox` → docker.io/library/busybox:latest. */
export function normalizeReference(input: string): Reference {
  return withDefaultTag(parseReference(input));
}

/** `docker.io/library/busybox` */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The canonical string: `domain/path[:tag][@digest]`. */
export function formatReference(ref: Reference): string {
  let s = repositoryName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** The short form users see (`busybox:latest`, `user/app:1`, `localhost:5000/a/b:tag`). */
export function familiarName(ref: Reference): string {
  let path = ref.path;
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${path}`;
  if (path.startsWith(OFFICIAL_REPO_PREFIX) && !path.slice(OFFICIAL_REPO_PREFIX.length).includes("/")) {
    path = path.slice(OFFICIAL_REPO_PREFIX.length);
  }
  return path;
}

export function familiarString(ref: Reference): string {
  let s = familiarName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** Validates a bare tag (as in `docker tag src repo:TAG`). */
export function validateTag(tag: string): string {
  if (!ANCHORED_TAG_RE.test(tag)) throw formatError();
  return tag;
}
