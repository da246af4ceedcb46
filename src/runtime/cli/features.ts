import { OCI_VERSION } from "../../oci/defaults.js";
import { ALL_CAPABILITIES } from "../caps.js";
import { NAMESPACE_PLAN_NAMES } from "../namespaces.js";
import { PROPAGATION_OPTIONS } from "../mountOptions.js";
import { expectPositionals, parseArgs } from "./args.js";
import type { Command } from "./io.js";

const MOUNT_OPTIONS = ["async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion", "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow", "rbind", "relatime", "remount", "ro", "rw", "silent", "strictatime", "suid", "symfollow", "sync"];

/** `features`: what this runtime implements (runtime-spec features document). */
export const featuresCommand: Command = async ({ ctx, io }, argv) => {
  expectPositionals(parseArgs(argv, {}, { command: "features" }).positionals, [], "features");
  const doc = {
    ociVersionMin: "1.0.0",
    ociVersionMax: OCI_VERSION,
    hooks: ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
    mountOptions: [...MOUNT_OPTIONS, ...Object.keys(PROPAGATION_OPTIONS)].sort(),
    linux: {
      namespaces: Object.keys(NAMESPACE_PLAN_NAMES),
      capabilities: ALL_CAPABILITIES,
      cgroup: { v1: ctx.cgroups?.version === 1, v2: ctx.cgroups?.version === 2, systemd: false, systemdUser: false },
      seccomp: { enabled: ctx.seccomp !== undefined },
      apparmor: { enabled: false },
      selinux: { enabled: false },
    },
  };
  io.out(JSON.stringify(doc, null, 2) + "\n");
  return 0;
};
