/* OpenSSL's libcrypto (Debian's libssl-dev), for SHA-256: plan hashes and data fingerprints. */
#include <openssl/evp.h>
