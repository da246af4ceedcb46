import type { EventMessage } from "../../api/types/system.js";
import { invalidArgument } from "../../errors/EngineError.js";

export type EventType = EventMessage["Type"];
export type EventFilters = ReadonlyMap<string, ReadonlySet<string>>;

export interface PublishedEvent {
  Type: EventType;
  Action: string;
  /** Actor.ID and Attributes (e.g. name, image, exitCode, the container's labels). */
  id: string;
  attributes?: Record<string, string>;
}

export interface SubscribeOptions {
  /** Unix time (seconds, fractional allowed, Docker's "1700000000.000000000"). Replays from the ring. */
  since?: string;
  until?: string;
  filters?: EventFilters;
}

const FILTER_NAMES = ["type", "event", "container", "image", "label", "scope", "daemon", "network", "volume", "plugin", "node", "service", "secret", "config"];

/**
 * The daemon's event stream with Docker's shapes. Keeps the last `capacity` events in a ring so
 * `docker events --since` can replay; live subscribers get each event as it is published.
 * In memory only: events before a daemon restart are gone (as in moby).
 */
export class EventBus {
  private readonly ring: EventMessage[] = [];
  private readonly subscribers = new Set<(e: EventMessage) => void>();
  private lastNano = 0n;

  constructor(private readonly capacity = 1024) {}

  publish(e: PublishedEvent): EventMessage {
    let nano = BigInt(Date.now()) * 1_000_000n + BigInt(process.hrtime.bigint() % 1_000_000n);
    // Strictly increasing, so since/until replays are stable.
    if (nano <= this.lastNano) nano = this.lastNano + 1n;
    this.lastNano = nano;
    const msg: EventMessage = {
      Type: e.Type,
      Action: e.Action,
      Actor: { ID: e.id, Attributes: { ...(e.attributes ?? {}) } },
      scope: "local",
      time: Number(nano / 1_000_000_000n),
      timeNano: Number(nano),
    };
    if (e.Type === "container") {
      // The deprecated top-level fields old clients still read.
      msg.status = e.Action;
      msg.id = e.id;
      if (e.attributes?.image) msg.from = e.attributes.image;
    }
    this.ring.push(msg);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const s of this.subscribers) s(msg);
    return msg;
  }

  /** Events matching the options: the replay from the ring, then live ones until `until` or abort. */
  subscribe(opts: SubscribeOptions, signal: AbortSignal): AsyncIterable<EventMessage> {
    const filters = opts.filters ?? new Map();
    for (const name of filters.keys()) if (!FILTER_NAMES.includes(name)) throw invalidArgument(`invalid filter '${name}'`);
    const since = opts.since !== undefined && opts.since !== "" ? parseTime(opts.since, "since") : undefined;
    const until = opts.until !== undefined && opts.until !== "" ? parseTime(opts.until, "until") : undefined;
    const inWindow = (e: EventMessage) => (since === undefined || BigInt(e.timeNano) >= since) && (until === undefined || BigInt(e.timeNano) <= until);
    const queue: EventMessage[] = since !== undefined ? this.ring.filter((e) => inWindow(e) && matchesEvent(e, filters)) : [];
    let wake: (() => void) | null = null;
    let ended = until !== undefined && until <= BigInt(Date.now()) * 1_000_000n;
    const sub = (e: EventMessage) => {
      if (until !== undefined && BigInt(e.timeNano) > until) {
        ended = true;
      } else if (matchesEvent(e, filters)) {
        queue.push(e);
      }
      wake?.();
    };
    const untilTimer = until !== undefined && !ended
      ? setTimeout(() => { ended = true; wake?.(); }, Math.max(0, Number(until / 1_000_000n) - Date.now()))
      : undefined;
    const onAbort = () => { ended = true; wake?.(); };
    if (!ended) this.subscribers.add(sub);
    signal.addEventListener("abort", onAbort, { once: true });
    const subscribers = this.subscribers;
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (queue.length > 0) yield queue.shift()!;
            if (ended || signal.aborted) return;
            await new Promise<void>((r) => (wake = r));
            wake = null;
          }
        } finally {
          subscribers.delete(sub);
          clearTimeout(untilTimer);
          signal.removeEventListener("abort", onAbort);
        }
      },
    };
  }
}

/** "1700000000", "1700000000.5", "1700000000.000000001" → ns; InvalidArgument otherwise. */
function parseTime(s: string, what: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(s);
  if (!m) throw invalidArgument(`events: invalid ${what} time ${JSON.stringify(s)}: expected unix seconds`);
  return BigInt(m[1]) * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/** Docker's event filters: within a name any value matches, across names all must. */
export function matchesEvent(e: EventMessage, filters: EventFilters): boolean {
  const attrs = e.Actor.Attributes;
  for (const [name, values] of filters) {
    if (values.size === 0) continue;
    const any = (pred: (v: string) => boolean) => [...values].some(pred);
    switch (name) {
      case "type": if (!values.has(e.Type)) return false; break;
      case "event": if (!any((v) => v === e.Action || e.Action.startsWith(`${v}:`))) return false; break;
      case "scope": if (!values.has(e.scope)) return false; break;
      case "container":
        if (e.Type !== "container" || !any((v) => e.Actor.ID.startsWith(v) || attrs.name === v)) return false;
        break;
      case "image":
        if (!any((v) => attrs.image === v || (e.Type === "image" && e.Actor.ID === v))) return false;
        break;
      case "label":
        if (!any((v) => {
          const eq = v.indexOf("=");
          return eq < 0 ? v in attrs : attrs[v.slice(0, eq)] === v.slice(eq + 1);
        })) return false;
        break;
      default: {
        // network, volume, daemon, ...: the actor of that type by id or name.
        if (e.Type !== name || !any((v) => e.Actor.ID === v || attrs.name === v)) return false;
      }
    }
  }
  return true;
}
