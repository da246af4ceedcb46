import { test } from "node:test";
import { strict as assert } from "node:assert";
import { parseMountinfo } from "./execRootTmpfs.js";

test("parseMountinfo: mount point, type and source of each line, octal escapes undone, optional fields skipped", () => {
  const text = [
    "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
    "43 27 0:39 / /tmp/a\\040b/exec rw,nosuid,nodev,relatime - tmpfs berth-exec-root rw,mode=711",
    "44 27 0:40 / /x rw master:3 shared:9 - overlay overlay rw,lowerdir=/l",
    "garbage",
    "",
  ].join("\n");
  assert.deepEqual(parseMountinfo(text), [
    { mountPoint: "/", fstype: "ext4", source: "/dev/vda" },
    { mountPoint: "/tmp/a b/exec", fstype: "tmpfs", source: "berth-exec-root" },
    { mountPoint: "/x", fstype: "overlay", source: "overlay" },
  ]);
});
