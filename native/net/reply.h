#ifndef BERTH_NET_REPLY_H
#define BERTH_NET_REPLY_H

#include "helper.h"

/* Writes `ok[\t<out>]` or `err\t<ERRNO>\t<msg>` as one escaped line. 0, or -1 (errno) when the
 * reader is gone. */
int reply_write(int fd, const struct reply *rp);

#endif
