/* The exit record in the state dir: `exited\t<code>\t<ns>\n` or `signaled\t<sig>\t<ns>\n`. */
#ifndef BERTH_SHIM_EXITREC_H
#define BERTH_SHIM_EXITREC_H

/* Creates the record's file, unnamed (O_TMPFILE), while the container runs, so that recording
 * the exit creates no inode (up to ~1 ms on the development VM's busy ext4, right on the path
 * from the container's exit to the caller seeing it). Returns its fd, or -1: exitrec_write then
 * creates exit.tmp as before. */
int exitrec_prepare(int dirfd);
/* Writes DIR/exit atomically for a wait(2) status: into the prepared file (closed here), linked
 * as exit.tmp, when prepared >= 0, else a new exit.tmp; then renamed (not fsynced). */
int exitrec_write(int dirfd, int prepared, int status);

#endif
