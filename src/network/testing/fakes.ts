/** Test doubles for the service's collaborators: port proxy and DNS server. */
import type { DnsRecords, DnsServer } from "../dns/DnsServer.js";
import type { PortMapping } from "../ports/portSpec.js";
import type { ProxyHandle } from "../ports/proxyProcess.js";
import type { PortProxy } from "../portProxy.js";

/** Pretends to run proxies: host port "0" becomes 40000+n; remembers which are running. */
export class FakePortProxy implements PortProxy {
  readonly running = new Map<number, PortMapping[]>();
  private nextPid = 1000;
  private nextPort = 40000;
  failNext: Error | undefined;
  /** Like failNext, but after the process was reported spawned (it is gone again when start throws). */
  failAfterSpawn: Error | undefined;
  /** What onSpawn was told, in order. */
  readonly spawned: { pid: number; startTime: string }[] = [];

  async start(mappings: PortMapping[], onSpawn?: (h: { pid: number; startTime: string }) => void): Promise<ProxyHandle> {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    const pid = this.nextPid++;
    this.spawned.push({ pid, startTime: String(pid * 7) });
    onSpawn?.({ pid, startTime: String(pid * 7) });
    if (this.failAfterSpawn) {
      const e = this.failAfterSpawn;
      this.failAfterSpawn = undefined;
      throw e;
    }
    this.running.set(pid, mappings);
    return {
      pid,
      startTime: String(pid * 7),
      bound: mappings.map((m) => ({ proto: m.proto, hostIp: m.hostIp, hostPort: m.hostPort === "0" ? this.nextPort++ : Number(m.hostPort.split("-")[0]), containerIp: m.containerIp, containerPort: m.containerPort })),
    };
  }

  async stop(h: { pid: number }): Promise<void> {
    this.running.delete(h.pid);
  }

  async alive(h: { pid: number }): Promise<boolean> {
    return this.running.has(h.pid);
  }

  /** What runningProxies() would find: every running fake (with its start time). */
  async list(): Promise<{ pid: number; startTime: string; targets: string[] }[]> {
    return [...this.running].map(([pid, ms]) => ({ pid, startTime: String(pid * 7), targets: ms.map((m) => m.containerIp) }));
  }
}

/** Records listeners and lets tests query their records. */
export class FakeDns {
  readonly listeners = new Map<string, DnsRecords | null>();
  failListen = false;

  async listen(address: string, _port: number, records: DnsRecords | null): Promise<void> {
    if (this.failListen) throw new Error(`dns listen: ${address}: injected failure`);
    this.listeners.set(address, records);
  }

  async unlisten(address: string): Promise<void> {
    this.listeners.delete(address);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  asServer(): DnsServer {
    return this as unknown as DnsServer;
  }
}
