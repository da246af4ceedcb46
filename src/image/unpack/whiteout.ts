/**
 * Whiteout conventions. In layer tars (image spec "Whiteouts"): `.wh.<name>` deletes <name> from
 * lower layers, `.wh..wh..opq` makes its directory opaque. On overlayfs: a 0/0 character device
 * named <name>, and the xattr trusted.overlay.opaque="y" on the directory.
 */
export const WHITEOUT_PREFIX = ".wh.";
export const WHITEOUT_OPAQUE = ".wh..wh..opq";
export const OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";

/** Tar name of the whiteout for `name`. */
export function whiteoutName(name: string): string {
  return `${WHITEOUT_PREFIX}${name}`;
}

/** Is this stat an overlay whiteout (character device 0/0)? */
export function isOverlayWhiteout(st: { isCharacterDevice(): boolean; rdev: number | bigint }): boolean {
  return st.isCharacterDevice() && Number(st.rdev) === 0;
}

export function isOpaqueValue(v: Buffer | undefined): boolean {
  return v !== undefined && v.length === 1 && v[0] === 0x79;
}
