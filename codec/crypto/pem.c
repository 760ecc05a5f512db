/*
 * pem.c - encrypted PEM private keys.  OpenSSL's default passphrase
 * callback prompts on the terminal; ours never does: the passphrase comes
 * from a key source (kx_pem_unlock) or the key is refused with a message
 * saying so.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "internal.h"

int
kxi_pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct kxi_pem_pass *pp = u;
	size_t n;

	(void)rwflag;
	if (pp == NULL)
		return -1;
	pp->asked = 1;
	if (pp->pass == NULL)
		return -1;	/* no prompt: refuse */
	n = kx_secret_len(pp->pass);
	if (size < 0 || n > (size_t)size)
		return -1;
	memcpy(buf, kx_secret_data(pp->pass), n);
	return (int)n;
}

int
kx_pem_unlock(const kx_secret *pem, const kx_secret *pass, kx_secret **out,
    kx_diag *d)
{
	struct kxi_pem_pass pp = { NULL, 0 };
	kx_secret *pw = NULL;
	EVP_PKEY *pk = NULL;
	BIO *in = NULL, *mem = NULL;
	const uint8_t *q;
	char *p = NULL;
	size_t n;
	long len;
	int r;

	if (pem == NULL || pass == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	/* a passphrase read from a file ends at its line end */
	q = kx_secret_data(pass);
	n = kx_secret_len(pass);
	while (n > 0 && (q[n - 1] == '\n' || q[n - 1] == '\r'))
		n--;
	if (n == 0)
		return KX_FAIL(d, KX_EUSAGE, "PEM passphrase: empty");
	if ((r = kx_secret_from(q, n, &pw)) != KX_OK)
		return KX_FAIL(d, r, "PEM passphrase: %s", kx_strerror(r));
	pp.pass = pw;
	if (kx_secret_len(pem) == 0 || kx_secret_len(pem) > INT_MAX) {
		r = KX_FAIL(d, KX_EUSAGE, "not a PEM private key");
		goto out;
	}
	if ((in = BIO_new_mem_buf(kx_secret_data(pem),
	    (int)kx_secret_len(pem))) == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	if ((pk = PEM_read_bio_PrivateKey(in, NULL, kxi_pem_pass_cb, &pp)) ==
	    NULL) {
		r = kxi_diag_openssl(d, KX_ECRYPTO, pp.asked ?
		    "cannot decrypt the PEM private key (wrong passphrase?)" :
		    "not a PEM private key");
		goto out;
	}
	/* the clear PKCS#8 form, in secure memory only */
	if ((mem = BIO_new(BIO_s_secmem())) == NULL ||
	    PEM_write_bio_PrivateKey(mem, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (len = BIO_get_mem_data(mem, &p)) <= 0) {
		r = kxi_diag_openssl(d, KX_EINTERNAL, "PEM private key");
		goto out;
	}
	r = kx_secret_from(p, (size_t)len, out);
	if (r != KX_OK)
		r = KX_FAIL(d, r, "PEM private key: %s", kx_strerror(r));
out:
	BIO_free(mem);
	BIO_free(in);
	EVP_PKEY_free(pk);
	kx_secret_free(pw);
	return r;
}
