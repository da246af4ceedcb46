import type { ContainerNetworking } from "../../network/types.js";
import type { Engine } from "../Engine.js";
import type { EventBus } from "../events/EventBus.js";
import type { VolumeStore } from "../volumes/VolumeStore.js";
import type { ContainerRecord } from "./ContainerRecord.js";
import type { ContainerStore } from "./ContainerStore.js";
import type { UsernsSettings } from "./usernsContainer.js";

export type LogFn = (level: "debug" | "info" | "warn" | "error", msg: string) => void;

/** What the container verbs share (passed explicitly). */
export interface ContainerContext {
  engine: Engine;
  store: ContainerStore;
  events: EventBus;
  log: LogFn;
  /** Named volumes; without it, volume mounts are refused as not implemented. */
  volumes?: VolumeStore;
  /**
   * Bridge networks (src/network/NetworkService.ts through its engine contract); without it
   * the default "bridge" mode runs with no network (said in the create warnings) and named
   * networks are unknown.
   */
  networks?: ContainerNetworking;
  /** `--add-host x:host-gateway` for containers not on a bridge: the default bridge's gateway. */
  hostGateway?: () => string | undefined;
  /** --userns-remap and the berth.userns label (docs/userns.md); without it no container gets a user namespace. */
  userns?: UsernsSettings;
  /** dockerd's --init and --init-path: the default for HostConfig.Init null, and the binary. */
  init?: InitSettings;
}

export interface InitSettings {
  byDefault: boolean;
  path?: string;
}

/** Attributes of a container event: name, image, and the container's labels (as moby). */
export function eventAttributes(rec: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(rec.config.Labels ?? {}), image: rec.image, name: rec.name, ...extra };
}

export function emit(ctx: ContainerContext, rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
  ctx.events.publish({ Type: "container", Action: action, id: rec.id, attributes: eventAttributes(rec, extra) });
}

/** RFC 3339 with nanoseconds, UTC, like Go's time.RFC3339Nano (trailing zeros trimmed). */
export function rfc3339Nano(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${base}${frac ? "." + frac : ""}Z`;
}

export function nowNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}
