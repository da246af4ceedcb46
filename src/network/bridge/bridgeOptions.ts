/**
 * The bridge driver's options (moby libnetwork/drivers/bridge, netlabel): which ones berth acts
 * on, their parsing, and the bridge interface name. Options berth does not know are kept and
 * shown by inspect, as Docker does, but change nothing.
 */
import { invalidArgument } from "../../errors/EngineError.js";

export const OPT_DEFAULT_BRIDGE = "com.docker.network.bridge.default_bridge";
export const OPT_BRIDGE_NAME = "com.docker.network.bridge.name";
export const OPT_ENABLE_ICC = "com.docker.network.bridge.enable_icc";
export const OPT_ENABLE_MASQUERADE = "com.docker.network.bridge.enable_ip_masquerade";
export const OPT_HOST_BINDING_IPV4 = "com.docker.network.bridge.host_binding_ipv4";
export const OPT_MTU = "com.docker.network.driver.mtu";

export const DEFAULT_MTU = 1500;

export interface BridgeSettings {
  bridge: string;
  icc: boolean;
  masquerade: boolean;
  mtu: number;
}

/**
 * Interface names berth puts into nft scripts and netlink requests: at most 15 bytes (IFNAMSIZ),
 * and a conservative character set so a name can never change the meaning of a script.
 */
export const IFNAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/;

/** Go's strconv.ParseBool, which Docker uses for these options. */
export function parseBool(value: string, what: string): boolean {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  throw invalidArgument(`${what}: invalid boolean value ${JSON.stringify(value)}`);
}

export function checkBridgeName(name: string, what: string): string {
  if (!IFNAME.test(name)) {
    throw invalidArgument(`${what}: invalid bridge name ${JSON.stringify(name)} (1 to 15 characters of [a-zA-Z0-9_.-], not starting with a punctuation mark)`);
  }
  return name;
}

/** Reads the options berth acts on; `id` names the default interface (br-<id[0:12]>). */
export function bridgeSettings(options: Record<string, string>, id: string, defaults: { icc: boolean }): BridgeSettings {
  const what = "create network";
  const bridge = options[OPT_BRIDGE_NAME] !== undefined ? checkBridgeName(options[OPT_BRIDGE_NAME], `${what}: option ${OPT_BRIDGE_NAME}`) : `br-${id.slice(0, 12)}`;
  const icc = options[OPT_ENABLE_ICC] !== undefined ? parseBool(options[OPT_ENABLE_ICC], `${what}: option ${OPT_ENABLE_ICC}`) : defaults.icc;
  const masquerade = options[OPT_ENABLE_MASQUERADE] !== undefined ? parseBool(options[OPT_ENABLE_MASQUERADE], `${what}: option ${OPT_ENABLE_MASQUERADE}`) : true;
  let mtu = DEFAULT_MTU;
  if (options[OPT_MTU] !== undefined && options[OPT_MTU] !== "") {
    const v = options[OPT_MTU];
    // Linux's minimum IPv4 MTU is 68; a bridge cannot exceed 65535.
    if (!/^\d{1,5}$/.test(v) || Number(v) < 68 || Number(v) > 65535) throw invalidArgument(`${what}: option ${OPT_MTU}: invalid MTU ${JSON.stringify(v)} (68 to 65535)`);
    mtu = Number(v);
  }
  return { bridge, icc, masquerade, mtu };
}
