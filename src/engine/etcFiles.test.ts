import { test } from "node:test";
import { strict as assert } from "node:assert";
import { hostsText, resolvConfText } from "./etcFiles.js";

test("hosts: Docker's header, then the given lines", () => {
  assert.equal(hostsText(["172.18.0.2\tabc"]), [
    "127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet", "ff00::0\tip6-mcastprefix",
    "ff02::1\tip6-allnodes", "ff02::2\tip6-allrouters", "172.18.0.2\tabc", "",
  ].join("\n"));
});

test("resolv.conf: --dns, --dns-search, --dns-option each replace their part of the base", () => {
  const base = "# generated\nnameserver 10.1.0.1\nsearch corp.example\noptions ndots:0\n";
  assert.equal(resolvConfText(base, {}), base);
  assert.equal(resolvConfText(base, { dns: ["1.1.1.1", "8.8.8.8"] }), "# generated\nnameserver 1.1.1.1\nnameserver 8.8.8.8\nsearch corp.example\noptions ndots:0\n");
  assert.equal(resolvConfText(base, { search: ["a.test", "b.test"], options: ["timeout:1"] }), "# generated\nnameserver 10.1.0.1\nsearch a.test b.test\noptions timeout:1\n");
  // "--dns-search ." means no search domains.
  assert.equal(resolvConfText(base, { search: ["."] }), "# generated\nnameserver 10.1.0.1\noptions ndots:0\n");
  assert.equal(resolvConfText("", { dns: ["9.9.9.9"] }), "nameserver 9.9.9.9\n");
});
