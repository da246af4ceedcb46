/* The exit record in the state dir: `exited\t<code>\t<ns>\n` or `signaled\t<sig>\t<ns>\n`. */
#ifndef BERTH_SHIM_EXITREC_H
#define BERTH_SHIM_EXITREC_H

/* Writes DIR/exit atomically (exit.tmp, fsync, rename) for a wait(2) status. */
int exitrec_write(int dirfd, int status);

#endif
