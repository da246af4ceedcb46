/** Image routes. Image names may contain `/` (registry/org/app:tag), hence the `{name*}` patterns. */
import { pipeline } from "node:stream/promises";
import { EngineError, invalidArgument } from "../../errors/EngineError.js";
import type { ImageBackend } from "../backend.js";
import type { RequestContext } from "../context.js";
import { validateFilterNames } from "../filters.js";
import { httpErrorFrom } from "../http-status.js";
import { JsonLinesWriter } from "../streams/json-lines.js";
import { imageInspectForVersion } from "./image-versions.js";
import { need, param, registryAuth, type ApiRouter } from "./support.js";

/**
 * Runs a progress-reporting operation: an error before the first message is a normal HTTP error,
 * after it an in-stream `errorDetail` message (the status is already 200).
 */
async function withProgress(ctx: RequestContext, op: (w: JsonLinesWriter) => Promise<void>): Promise<void> {
  const w = new JsonLinesWriter(ctx.response());
  try {
    await op(w);
  } catch (e) {
    if (!w.flushed) throw e;
    const { message } = httpErrorFrom(e);
    await w.writeError(message);
  }
  w.end();
}

function saveStream(ctx: RequestContext, names: string[]) {
  return async (backend: ImageBackend) => {
    const tar = await backend.save(names, ctx.signal);
    const res = ctx.startStream(200, { "Content-Type": "application/x-tar" });
    await pipeline(tar, res, { signal: ctx.signal }).catch(() => { tar.destroy(); });
  };
}

export function registerImageRoutes(router: ApiRouter, backend: ImageBackend | undefined): void {
  const b = () => need(backend, "images");

  router.add("GET", "/images/json", async (ctx) => {
    const filters = ctx.query.filters();
    validateFilterNames(filters, ["before", "dangling", "label", "reference", "since", "until"]);
    ctx.sendJson(200, await b().list({
      all: ctx.query.bool("all"), filters, sharedSize: ctx.query.bool("shared-size"),
      digests: ctx.query.bool("digests"), manifests: ctx.query.bool("manifests"),
    }));
  });

  router.add("POST", "/images/create", async (ctx) => {
    const q = ctx.query;
    const fromImage = q.string("fromImage");
    const fromSrc = q.string("fromSrc");
    if (!fromImage && !fromSrc) throw invalidArgument("create image: one of fromImage or fromSrc is required");
    if (fromImage && fromSrc) throw invalidArgument("create image: fromImage and fromSrc are mutually exclusive");
    const platform = q.string("platform") || undefined;
    if (fromImage) {
      await withProgress(ctx, (w) => b().pull({ fromImage, tag: q.string("tag") || undefined, platform, auth: registryAuth(ctx) }, (m) => w.write(m), ctx.signal));
    } else {
      const source = fromSrc === "-" ? ctx.bodyStream() : null;
      await withProgress(ctx, (w) => b().import({
        fromSrc: fromSrc!, repo: q.string("repo") || undefined, tag: q.string("tag") || undefined,
        message: q.string("message") || undefined, changes: q.all("changes"), platform,
      }, source, (m) => w.write(m), ctx.signal));
    }
  });

  router.add("POST", "/images/load", async (ctx) => {
    const quiet = ctx.query.bool("quiet");
    await withProgress(ctx, (w) => b().load(ctx.bodyStream(), { quiet }, (m) => w.write(m), ctx.signal));
  });

  router.add("GET", "/images/get", async (ctx) => {
    const names = ctx.query.all("names");
    if (names.length === 0) throw invalidArgument("save images: parameter names is required");
    await saveStream(ctx, names)(b());
  });

  router.add("POST", "/images/prune", async (ctx) => {
    const filters = ctx.query.filters();
    validateFilterNames(filters, ["dangling", "label", "label!", "until"]);
    ctx.sendJson(200, await b().prune(filters));
  });

  // Routes Docker has and berth does not serve yet: an explicit 501, not a 404 that reads
  // like a typo in the client.
  router.add("POST", "/build", async () => {
    throw new EngineError("NotImplemented", "build image: image builds are not supported by this daemon yet");
  });

  router.add("GET", "/images/search", async () => {
    throw new EngineError("NotImplemented", "search images: registry search is not supported by this daemon");
  });

  router.add("GET", "/images/{name*}/json", async (ctx) => {
    ctx.sendJson(200, imageInspectForVersion(await b().inspect(param(ctx, "name")), ctx.apiVersion));
  });

  router.add("GET", "/images/{name*}/history", async (ctx) => {
    ctx.sendJson(200, await b().history(param(ctx, "name"), { platform: ctx.query.string("platform") || undefined }));
  });

  router.add("GET", "/images/{name*}/get", async (ctx) => {
    await saveStream(ctx, [param(ctx, "name")])(b());
  });

  router.add("POST", "/images/{name*}/push", async (ctx) => {
    const name = param(ctx, "name");
    await withProgress(ctx, (w) => b().push({
      name, tag: ctx.query.string("tag") || undefined, platform: ctx.query.string("platform") || undefined,
      auth: registryAuth(ctx),
    }, (m) => w.write(m), ctx.signal));
  });

  router.add("POST", "/images/{name*}/tag", async (ctx) => {
    const repo = ctx.query.string("repo");
    if (!repo) throw invalidArgument("tag image: parameter repo is required");
    await b().tag(param(ctx, "name"), repo, ctx.query.string("tag") || undefined);
    ctx.sendEmpty(201);
  });

  router.add("DELETE", "/images/{name*}", async (ctx) => {
    ctx.sendJson(200, await b().remove(param(ctx, "name"), { force: ctx.query.bool("force"), noprune: ctx.query.bool("noprune") }));
  });
}
