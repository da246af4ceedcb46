import { flagValue, parseFlags } from "../../flags.js";
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
    const p = parseFlags(argv, [{ long: "format", value: true }], "system df", { interspersed: true });
    const du = await ctx.client().diskUsage();
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
