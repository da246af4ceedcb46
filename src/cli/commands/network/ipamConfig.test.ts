import { test } from "node:test";
import { strict as assert } from "node:assert";
import { addressValue, ipamConfigs } from "./ipamConfig.js";

test("addresses as numbers: IPv4, IPv6 with :: and an IPv4 tail", () => {
  assert.deepEqual(addressValue("10.0.0.1"), { v6: false, value: 0x0a000001n });
  assert.deepEqual(addressValue("::1"), { v6: true, value: 1n });
  assert.deepEqual(addressValue("fd00::"), { v6: true, value: 0xfd00n << 112n });
  assert.deepEqual(addressValue("::ffff:1.2.3.4"), { v6: true, value: (0xffffn << 32n) | 0x01020304n });
  assert.equal(addressValue("1.2.3"), null);
});

test("ranges, gateways and aux addresses land in their subnet; families never match each other", () => {
  assert.deepEqual(ipamConfigs({ subnets: ["10.200.4.0/22", "fd00:1::/64"], ipRanges: ["10.200.5.0/24"], gateways: ["fd00:1::1", "10.200.4.1"], auxAddresses: [["r", "10.200.7.254"], ["s", "fd00:1::fe"]] }), [
    { Subnet: "10.200.4.0/22", IPRange: "10.200.5.0/24", Gateway: "10.200.4.1", AuxiliaryAddresses: { r: "10.200.7.254" } },
    { Subnet: "fd00:1::/64", Gateway: "fd00:1::1", AuxiliaryAddresses: { s: "fd00:1::fe" } },
  ]);
  assert.throws(() => ipamConfigs({ subnets: ["10.200.4.0/22"], ipRanges: [], gateways: ["10.200.8.1"], auxAddresses: [] }), /no matching subnet for gateway 10.200.8.1/);
  assert.throws(() => ipamConfigs({ subnets: ["10.200.4.0/22"], ipRanges: ["10.200.4.0/24", "10.200.5.0/24"], gateways: [], auxAddresses: [] }), /every ip-range or gateway must have a corresponding subnet/);
  assert.throws(() => ipamConfigs({ subnets: ["10.200.4.0/22", "10.200.8.0/22"], ipRanges: ["10.200.4.0/24", "10.200.5.0/24"], gateways: [], auxAddresses: [] }),
    /cannot configure multiple ranges \(10.200.5.0\/24, 10.200.4.0\/24\) on the same subnet \(10.200.4.0\/22\)/);
  assert.deepEqual(ipamConfigs({ subnets: ["::ffff:0:0/96", "10.0.0.0/8"], ipRanges: [], gateways: ["10.0.0.1"], auxAddresses: [] }),
    [{ Subnet: "::ffff:0:0/96" }, { Subnet: "10.0.0.0/8", Gateway: "10.0.0.1" }]);
});
