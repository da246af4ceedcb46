import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { Port } from "../api/types/container.js";
import { displayPorts, joinHostPort } from "./containerRows.js";

test("the PORTS column as docker's DisplayablePorts writes it", () => {
  const P = (PrivatePort: number, Type: Port["Type"], IP?: string, PublicPort?: number): Port => ({ PrivatePort, Type, ...(IP ? { IP } : {}), ...(PublicPort !== undefined ? { PublicPort } : {}) });
  const cases: [Port[], string][] = [
    [[], ""],
    [[P(9988, "tcp")], "9988/tcp"],
    [[P(9988, "udp")], "9988/udp"],
    [[P(80, "tcp", "0.0.0.0", 8080), P(443, "tcp")], "443/tcp, 0.0.0.0:8080->80/tcp"],
    [[P(80, "tcp", "::", 8080)], "[::]:8080->80/tcp"],
    // Published on the same port number: grouped, and the IPv6 host shows without brackets.
    [[P(80, "tcp", "::", 80)], ":::80->80/tcp"],
    [[P(9988, "tcp", "4.3.2.1", 9988)], "4.3.2.1:9988->9988/tcp"],
    [[P(9998, "udp", "1.2.3.4", 9998), P(9999, "udp", "1.2.3.4", 9999)], "1.2.3.4:9998-9999->9998-9999/udp"],
    [[P(9998, "udp", "1.2.3.4", 8887), P(9999, "udp", "1.2.3.4", 8888)], "1.2.3.4:8887->9998/udp, 1.2.3.4:8888->9999/udp"],
    [[P(9999, "udp"), P(9998, "udp"), P(10000, "udp")], "9998-10000/udp"],
    [[P(9988, "udp"), P(9988, "udp")], "9988/udp, 9988/udp"],
    [[P(6677, "tcp", "1.2.3.4", 7766), P(9988, "udp")], "9988/udp, 1.2.3.4:7766->6677/tcp"],
    [[P(80, "tcp"), P(1024, "tcp"), P(80, "udp"), P(1024, "udp"), P(1024, "tcp", "1.1.1.1", 80), P(80, "tcp", "1.1.1.1", 1024)],
      "80/tcp, 80/udp, 1024/tcp, 1024/udp, 1.1.1.1:1024->80/tcp, 1.1.1.1:80->1024/tcp"],
  ];
  for (const [ports, want] of cases) assert.equal(displayPorts(ports), want, JSON.stringify(ports));
});

test("joinHostPort brackets IPv6 hosts", () => {
  assert.equal(joinHostPort("0.0.0.0", 80), "0.0.0.0:80");
  assert.equal(joinHostPort("::", "80"), "[::]:80");
  assert.equal(joinHostPort("", "80"), ":80");
});
