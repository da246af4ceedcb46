/** Container lifecycle and query routes (the non-streaming ones). */
import { mark } from "../../util/timingMarks.js";
import { EngineError, invalidArgument } from "../../errors/EngineError.js";
import type { ContainerBackend, StopOptions } from "../backend.js";
import type { RequestContext } from "../context.js";
import { validateFilterNames } from "../filters.js";
import type { ContainerCreateRequest, ContainerUpdateRequest } from "../types/container.js";
import { checkShape, requireObject } from "../validate.js";
import { CONTAINER_CREATE, CONTAINER_UPDATE } from "./container-shapes.js";
import { containerInspectForVersion } from "./container-versions.js";
import { need, param, type ApiRouter } from "./support.js";

const LIST_FILTERS = ["ancestor", "before", "expose", "exited", "health", "id", "isolation", "is-task", "label", "name", "network", "publish", "since", "status", "volume"];

/** Cmd and Entrypoint may be sent as one string; Docker's strslice turns it into a list. */
function normalizeCreate(body: Record<string, unknown>): ContainerCreateRequest {
  const out = { ...body } as Record<string, unknown>;
  for (const k of ["Cmd", "Entrypoint"]) if (typeof out[k] === "string") out[k] = [out[k]];
  const hc = out.Healthcheck as Record<string, unknown> | undefined;
  if (hc && typeof hc.Test === "string") out.Healthcheck = { ...hc, Test: [hc.Test] };
  return out as ContainerCreateRequest;
}

function stopOptions(ctx: RequestContext): StopOptions {
  return { signal: ctx.query.string("signal") || undefined, timeout: ctx.query.int("t") };
}

export function registerContainerRoutes(router: ApiRouter, backend: ContainerBackend | undefined): void {
  const b = () => need(backend, "containers");

  router.add("GET", "/containers/json", async (ctx) => {
    const filters = ctx.query.filters();
    validateFilterNames(filters, LIST_FILTERS);
    const limit = ctx.query.int("limit");
    ctx.sendJson(200, await b().list({
      all: ctx.query.bool("all"), limit: limit !== undefined && limit > 0 ? limit : undefined,
      size: ctx.query.bool("size"), filters,
    }));
  });

  router.add("POST", "/containers/create", async (ctx) => {
    const body = await ctx.json();
    if (body === undefined) throw invalidArgument("config cannot be empty in order to create a container");
    checkShape(body, CONTAINER_CREATE, "create container");
    const name = ctx.query.string("name");
    if (name !== undefined && name !== "" && !/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
      throw invalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    }
    const created = await b().create(normalizeCreate(body as Record<string, unknown>), {
      name: name || undefined, platform: ctx.query.string("platform") || undefined,
    });
    ctx.sendJson(201, { Id: created.Id, Warnings: created.Warnings ?? [] });
    mark("http: create answered");
  });

  // docker commit: served here because it acts on a container (moby routes it with images).
  router.add("POST", "/commit", async (ctx) => {
    const container = ctx.query.string("container");
    if (!container) throw invalidArgument("commit container: parameter container is required");
    const body = await ctx.json();
    if (body !== undefined && body !== null) checkShape(body, CONTAINER_CREATE, "commit container");
    const commit = b().commit;
    if (!commit) throw new EngineError("NotImplemented", "commit container: commit is not supported by this daemon");
    ctx.sendJson(201, await commit({
      container, repo: ctx.query.string("repo") || undefined, tag: ctx.query.string("tag") || undefined,
      comment: ctx.query.string("comment") || undefined, author: ctx.query.string("author") || undefined,
      pause: ctx.query.bool("pause", true), changes: ctx.query.all("changes"),
      ...(body ? { config: normalizeCreate(body as Record<string, unknown>) } : {}),
    }));
  });

  router.add("POST", "/containers/prune", async (ctx) => {
    const filters = ctx.query.filters();
    validateFilterNames(filters, ["label", "label!", "until"]);
    ctx.sendJson(200, await b().prune(filters));
  });

  router.add("GET", "/containers/{id}/json", async (ctx) => {
    ctx.sendJson(200, containerInspectForVersion(await b().inspect(param(ctx, "id"), { size: ctx.query.bool("size") }), ctx.apiVersion));
  });

  router.add("GET", "/containers/{id}/top", async (ctx) => {
    ctx.sendJson(200, await b().top(param(ctx, "id"), ctx.query.string("ps_args") || undefined));
  });

  router.add("GET", "/containers/{id}/changes", async (ctx) => {
    ctx.sendJson(200, await b().changes(param(ctx, "id")));
  });

  router.add("POST", "/containers/{id}/start", async (ctx) => {
    // API < 1.24 accepted a HostConfig here; moby rejects a body now, and so do we.
    const body = await ctx.json();
    if (body !== undefined && !(typeof body === "object" && body !== null && Object.keys(body).length === 0)) {
      throw invalidArgument("starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24");
    }
    const r = await b().start(param(ctx, "id"), { detachKeys: ctx.query.string("detachKeys") || undefined });
    ctx.sendEmpty(r === "notModified" ? 304 : 204);
    mark("http: start answered");
  });

  router.add("POST", "/containers/{id}/stop", async (ctx) => {
    const r = await b().stop(param(ctx, "id"), stopOptions(ctx));
    ctx.sendEmpty(r === "notModified" ? 304 : 204);
  });

  router.add("POST", "/containers/{id}/restart", async (ctx) => {
    await b().restart(param(ctx, "id"), stopOptions(ctx));
    ctx.sendEmpty(204);
  });

  router.add("POST", "/containers/{id}/kill", async (ctx) => {
    await b().kill(param(ctx, "id"), ctx.query.string("signal") || undefined);
    ctx.sendEmpty(204);
  });

  router.add("POST", "/containers/{id}/pause", async (ctx) => {
    await b().pause(param(ctx, "id"));
    ctx.sendEmpty(204);
  });

  router.add("POST", "/containers/{id}/unpause", async (ctx) => {
    await b().unpause(param(ctx, "id"));
    ctx.sendEmpty(204);
  });

  router.add("POST", "/containers/{id}/rename", async (ctx) => {
    const name = ctx.query.string("name");
    if (!name) throw invalidArgument("rename container: parameter name is required");
    await b().rename(param(ctx, "id"), name);
    ctx.sendEmpty(204);
  });

  router.add("POST", "/containers/{id}/update", async (ctx) => {
    const body = requireObject(await ctx.json(), "update container");
    checkShape(body, CONTAINER_UPDATE, "update container");
    ctx.sendJson(200, await b().update(param(ctx, "id"), body as ContainerUpdateRequest));
  });

  router.add("POST", "/containers/{id}/resize", async (ctx) => {
    const h = ctx.query.int("h");
    const w = ctx.query.int("w");
    if (h === undefined || w === undefined || h < 0 || w < 0) throw invalidArgument("resize container: parameters h and w must be non-negative integers");
    await b().resize(param(ctx, "id"), h, w);
    ctx.sendEmpty(200);
  });

  router.add("DELETE", "/containers/{id}", async (ctx) => {
    await b().remove(param(ctx, "id"), {
      force: ctx.query.bool("force"), removeVolumes: ctx.query.bool("v"), removeLink: ctx.query.bool("link"),
    });
    ctx.sendEmpty(204);
  });
}
