import { containerRow } from "../../containerRows.js";
import { flagBool, flagValue, parseFlags } from "../../flags.js";
import { imageRows } from "../../imageRows.js";
import { humanSize } from "../../format.js";
import { renderRows, type FormatSpec } from "../../formatter.js";
import type { CliCommand } from "../../io.js";
import { STRICT } from "../../template/execute.js";

const USAGE = "system df [OPTIONS]";
const SPEC: FormatSpec = {
  defaultTable: "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
  headers: { Type: "TYPE", TotalCount: "TOTAL", Active: "ACTIVE", Size: "SIZE", Reclaimable: "RECLAIMABLE" },
};

function reclaim(bytes: number, total: number): string {
  return total > 0 ? `${humanSize(bytes)} (${Math.floor((bytes * 100) / total)}%)` : humanSize(bytes);
}

/** `berth system df`: docker's summary of image, container, volume and build-cache usage. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Show docker disk usage",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "format", value: true }, { long: "verbose", short: "v" }], "system df", { interspersed: true });
    const du = await ctx.client().diskUsage();
    if (flagBool(p, "verbose") && !flagValue(p, "format")) {
      ctx.io.out(verbose(du));
      return 0;
    }
    const images = du.Images ?? [];
    const containers = du.Containers ?? [];
    const volumes = du.Volumes ?? [];
    const imagesSize = du.LayersSize ?? 0;
    const activeImages = images.filter((i) => i.Containers > 0);
    // Reclaimable: what removing unused images would free (their bytes not shared with used ones).
    const usedBytes = activeImages.reduce((a, i) => a + (i.Size - Math.max(0, i.SharedSize)), 0) + Math.max(0, ...activeImages.map((i) => Math.max(0, i.SharedSize)));
    const ctrSize = containers.reduce((a, c) => a + (c.SizeRw ?? 0), 0);
    const ctrReclaim = containers.filter((c) => c.State !== "running").reduce((a, c) => a + (c.SizeRw ?? 0), 0);
    const volSize = volumes.reduce((a, v) => a + Math.max(0, v.UsageData?.Size ?? 0), 0);
    const row = (Type: string, total: number, active: number, size: number, reclaimable: string) => ({ [STRICT]: "*formatter.diskUsageContext", Type, TotalCount: String(total), Active: String(active), Size: humanSize(size), Reclaimable: reclaimable });
    const rows = [
      row("Images", images.length, activeImages.length, imagesSize, reclaim(Math.max(0, imagesSize - usedBytes), imagesSize)),
      row("Containers", containers.length, containers.filter((c) => c.State === "running").length, ctrSize, reclaim(ctrReclaim, ctrSize)),
      row("Local Volumes", volumes.length, volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length, volSize, reclaim(0, volSize)),
      row("Build Cache", (du.BuildCache ?? []).length, 0, 0, humanSize(0)),
    ];
    ctx.io.out(renderRows(flagValue(p, "format"), rows, SPEC));
    return 0;
  },
};

/** `system df -v`: docker's per-object sections. */
function verbose(du: Awaited<ReturnType<import("../../../client/DockerClient.js").DockerClient["diskUsage"]>>): string {
  const images = (du.Images ?? []).flatMap((i) => imageRows(i, { trunc: true }));
  // The writable layer only: df's container context shows no virtual size.
  const containers = (du.Containers ?? []).map((c) => ({ ...containerRow(c, { trunc: true }), Size: humanSize(c.SizeRw ?? 0) }));
  const volumes = (du.Volumes ?? []).map((v) => ({ [STRICT]: "*formatter.volumeContext", Name: v.Name, Links: String(v.UsageData?.RefCount ?? 0), Size: humanSize(Math.max(0, v.UsageData?.Size ?? 0)) }));
  const img = renderRows(undefined, images, {
    defaultTable: "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
    headers: { Repository: "REPOSITORY", Tag: "TAG", ID: "IMAGE ID", CreatedSince: "CREATED", Size: "SIZE", SharedSize: "SHARED SIZE", UniqueSize: "UNIQUE SIZE", Containers: "CONTAINERS" },
  });
  const ctr = renderRows(undefined, containers, {
    defaultTable: "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}",
    headers: { ID: "CONTAINER ID", Image: "IMAGE", Command: "COMMAND", LocalVolumes: "LOCAL VOLUMES", Size: "SIZE", RunningFor: "CREATED", Status: "STATUS", Names: "NAMES" },
  });
  const vol = renderRows(undefined, volumes, { defaultTable: "table {{.Name}}\t{{.Links}}\t{{.Size}}", headers: { Name: "VOLUME NAME", Links: "LINKS", Size: "SIZE" } });
  const cache = renderRows(undefined, [], { defaultTable: "table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}", headers: { ID: "CACHE ID", CacheType: "CACHE TYPE", Size: "SIZE", CreatedSince: "CREATED", LastUsedSince: "LAST USED", UsageCount: "USAGE", Shared: "SHARED" } });
  return `Images space usage:\n\n${img}\nContainers space usage:\n\n${ctr}\nLocal Volumes space usage:\n\n${vol}\nBuild cache usage: 0B\n\n${cache}`;
}

