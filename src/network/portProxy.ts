/**
 * The port proxy as the service uses it: start for a container's mappings, stop, and tell
 * whether an adopted proxy still runs. The daemon's implementation is berth-proxy
 * (ports/proxyProcess.ts); unit tests pass a fake.
 */
import type { PortMapping } from "./ports/portSpec.js";
import { proxyAlive, startProxy, stopProxy, type ProxyHandle } from "./ports/proxyProcess.js";
import { runningProxies, type RunningProxy } from "./ports/runningProxies.js";

export interface PortProxy {
  /** `onSpawn`: the process exists (called before its bind report; see startProxy). */
  start(mappings: PortMapping[], onSpawn?: (h: { pid: number; startTime: string }) => void): Promise<ProxyHandle>;
  stop(h: { pid: number; startTime: string }): Promise<void>;
  alive(h: { pid: number; startTime: string }): Promise<boolean>;
  /** The proxies running on the host (restore stops those it has no record of). Optional. */
  list?(): Promise<RunningProxy[]>;
}

export function berthProxy(binary?: string): PortProxy {
  return {
    start: (mappings, onSpawn) => startProxy({ binary, mappings, onSpawn }),
    stop: (h) => stopProxy(h),
    alive: (h) => proxyAlive(h),
    list: () => runningProxies(),
  };
}
