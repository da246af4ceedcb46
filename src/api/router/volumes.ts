/** Volume routes. */
import type { VolumeBackend } from "../backend.js";
import { validateFilterNames } from "../filters.js";
import type { VolumeCreateRequest } from "../types/volume.js";
import { checkShape } from "../validate.js";
import { need, param, type ApiRouter } from "./support.js";

export function registerVolumeRoutes(router: ApiRouter, backend: VolumeBackend | undefined): void {
  const b = () => need(backend, "volumes");

  router.add("GET", "/volumes", async (ctx) => {
    const filters = ctx.query.filters();
    validateFilterNames(filters, ["dangling", "driver", "label", "name"]);
    ctx.sendJson(200, await b().list(filters));
  });

  router.add("POST", "/volumes/create", async (ctx) => {
    const body = (await ctx.json()) ?? {};
    checkShape(body, { Name: "string", Driver: "string", DriverOpts: "map<string>", Labels: "map<string>", ClusterVolumeSpec: "object" }, "create volume");
    ctx.sendJson(201, await b().create(body as VolumeCreateRequest));
  });

  router.add("POST", "/volumes/prune", async (ctx) => {
    const filters = ctx.query.filters();
    validateFilterNames(filters, ["all", "label", "label!"]);
    ctx.sendJson(200, await b().prune(filters));
  });

  router.add("GET", "/volumes/{name}", async (ctx) => {
    ctx.sendJson(200, await b().inspect(param(ctx, "name")));
  });

  router.add("DELETE", "/volumes/{name}", async (ctx) => {
    await b().remove(param(ctx, "name"), { force: ctx.query.bool("force") });
    ctx.sendEmpty(204);
  });
}
