/* nft: runs a script through libnftables in this process (no `nft` fork). One context is made on
 * the first request and reused; output and errors are buffered, the error text is the reply. */
#include <errno.h>
#include <nftables/libnftables.h>
#include <string.h>

#include "helper.h"

/* libnftables reports failures as text only; recover the errno the kernel gave when the text
 * carries its strerror(), else the script itself was wrong (EINVAL). */
static int errno_of(const char *text) {
  static const int known[] = { ENOENT, EEXIST, EBUSY, EPERM, EACCES, ENOMEM, EOPNOTSUPP, ENOSPC, EMSGSIZE, ENOBUFS };
  for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
    if (strstr(text, strerror(known[i]))) return known[i];
  return EINVAL;
}

int op_nft(struct helper *h, char **f, struct reply *rp) {
  if (!h->nft) {
    h->nft = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!h->nft) return op_fail(rp, ENOMEM, NULL, "nft: create libnftables context");
    if (nft_ctx_buffer_output(h->nft) || nft_ctx_buffer_error(h->nft)) {
      nft_ctx_free(h->nft);
      h->nft = NULL;
      return op_fail(rp, ENOMEM, NULL, "nft: buffer libnftables output");
    }
  }
  int r = nft_run_cmd_from_buffer(h->nft, f[0]);
  /* Reading a buffer also rewinds it for the next request: read both every time. */
  const char *out = nft_ctx_get_output_buffer(h->nft);
  const char *errtext = nft_ctx_get_error_buffer(h->nft);
  if (r != 0) {
    size_t n = strlen(errtext);
    while (n && (errtext[n - 1] == '\n' || errtext[n - 1] == ' ')) n--;
    if (n == 0) return op_fail_text(rp, EINVAL, "nft: the script failed without a message");
    return op_fail_text(rp, errno_of(errtext), "nft: %.*s", (int)n, errtext);
  }
  if (out && *out) rp->out = out;
  return 0;
}
