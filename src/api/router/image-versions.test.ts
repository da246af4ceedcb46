import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { ImageInspect } from "../types/image.js";
import { imageInspectForVersion } from "./image-versions.js";

const img: ImageInspect = {
  Id: "sha256:1", RepoTags: ["busybox:latest"], RepoDigests: [], Parent: "", Comment: "", Created: "2024-01-01T00:00:00Z",
  DockerVersion: "", Author: "", Config: { Cmd: ["sh"] }, Architecture: "amd64", Os: "linux", Size: 42,
  GraphDriver: { Name: "overlayfs", Data: null }, RootFS: { Type: "layers" }, Metadata: {},
};

test("image inspect at the current API has no legacy fields", () => {
  assert.equal(imageInspectForVersion(img, "1.47"), img);
  assert.equal(imageInspectForVersion(img, "1.45"), img);
});

test("image inspect below 1.45 has Container and an empty ContainerConfig (docker-compose 1.x reads its Volumes)", () => {
  const out = imageInspectForVersion(img, "1.44");
  assert.equal(out.Container, "");
  assert.equal(out.ContainerConfig?.Volumes, null);
  assert.deepEqual(out.ContainerConfig?.Cmd, null);
  assert.equal(out.VirtualSize, undefined);
  const keys = Object.keys(out);
  assert.deepEqual(keys.slice(keys.indexOf("Created"), keys.indexOf("DockerVersion") + 1), ["Created", "Container", "ContainerConfig", "DockerVersion"]);
  assert.equal(img.ContainerConfig, undefined, "the input is not changed");
});

test("image inspect below 1.44 also has VirtualSize = Size, before GraphDriver", () => {
  const out = imageInspectForVersion(img, "1.41");
  assert.equal(out.VirtualSize, 42);
  const keys = Object.keys(out);
  assert.equal(keys[keys.indexOf("GraphDriver") - 1], "VirtualSize");
});
