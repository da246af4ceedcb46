import { createConnection } from "node:net";
import { join } from "node:path";
import { unavailable } from "./errorsLocal.js";

/** Sends one command line on the shim's ctl.sock and returns its one-line answer. */
export function ctlRequest(stateDir: string, command: string, timeoutMs = 30_000): Promise<string> {
  const path = join(stateDir, "ctl.sock");
  return new Promise((resolve, reject) => {
    const sock = createConnection({ path });
    let buf = "";
    let settled = false;
    const finish = (err: Error | null, line?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(line!);
    };
    const timer = setTimeout(() => finish(unavailable(`shim control: no answer to ${JSON.stringify(command)} from ${path} in ${timeoutMs} ms`)), timeoutMs);
    sock.setEncoding("utf8");
    sock.once("connect", () => sock.write(command + "\n"));
    sock.on("data", (d: string) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0) finish(null, buf.slice(0, nl));
    });
    sock.once("end", () => finish(buf ? null : unavailable(`shim control: ${path} closed without answering ${JSON.stringify(command)}`), buf));
    sock.once("error", (e) => finish(unavailable(`shim control: ${path}: ${e.message}`, { cause: e })));
  });
}
