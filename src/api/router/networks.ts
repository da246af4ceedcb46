/** Network routes. */
import { invalidArgument } from "../../errors/EngineError.js";
import type { NetworkBackend } from "../backend.js";
import { validateFilterNames } from "../filters.js";
import type { NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest } from "../types/network.js";
import { checkShape, requireObject } from "../validate.js";
import { need, param, type ApiRouter } from "./support.js";

export function registerNetworkRoutes(router: ApiRouter, backend: NetworkBackend | undefined): void {
  const b = () => need(backend, "networks");

  router.add("GET", "/networks", async (ctx) => {
    const filters = ctx.query.filters();
    validateFilterNames(filters, ["dangling", "driver", "id", "label", "name", "scope", "type"]);
    ctx.sendJson(200, await b().list(filters));
  });

  router.add("POST", "/networks/create", async (ctx) => {
    const body = requireObject(await ctx.json(), "create network");
    checkShape(body, {
      Name: "string", CheckDuplicate: "boolean", Driver: "string", Scope: "string", Internal: "boolean",
      Attachable: "boolean", Ingress: "boolean", ConfigOnly: "boolean", ConfigFrom: "object",
      IPAM: { object: { Driver: "string", Options: "map<string>", Config: "array" } },
      EnableIPv4: "boolean", EnableIPv6: "boolean", Options: "map<string>", Labels: "map<string>",
    }, "create network");
    if (!body.Name) throw invalidArgument("create network: field Name is required");
    ctx.sendJson(201, await b().create(body as unknown as NetworkCreateRequest));
  });

  router.add("POST", "/networks/prune", async (ctx) => {
    const filters = ctx.query.filters();
    validateFilterNames(filters, ["label", "label!", "until"]);
    ctx.sendJson(200, await b().prune(filters));
  });

  router.add("GET", "/networks/{id}", async (ctx) => {
    ctx.sendJson(200, await b().inspect(param(ctx, "id"), { verbose: ctx.query.bool("verbose"), scope: ctx.query.string("scope") || undefined }));
  });

  router.add("DELETE", "/networks/{id}", async (ctx) => {
    await b().remove(param(ctx, "id"));
    ctx.sendEmpty(204);
  });

  router.add("POST", "/networks/{id}/connect", async (ctx) => {
    const body = requireObject(await ctx.json(), "connect network");
    checkShape(body, { Container: "string", EndpointConfig: "object" }, "connect network");
    if (!body.Container) throw invalidArgument("connect network: field Container is required");
    await b().connect(param(ctx, "id"), body as unknown as NetworkConnectRequest);
    ctx.sendEmpty(200);
  });

  router.add("POST", "/networks/{id}/disconnect", async (ctx) => {
    const body = requireObject(await ctx.json(), "disconnect network");
    checkShape(body, { Container: "string", Force: "boolean" }, "disconnect network");
    if (!body.Container) throw invalidArgument("disconnect network: field Container is required");
    await b().disconnect(param(ctx, "id"), body as unknown as NetworkDisconnectRequest);
    ctx.sendEmpty(200);
  });
}
