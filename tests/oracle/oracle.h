/*
 * oracle.h - the round trip as the test oracle (issue 11 item 2): any
 * input a reader accepts converts to every format that carries it and
 * back to the same model, its native XML validates against the embedded
 * XSD, and its text summary holds no control character.  Shared by the
 * unit test tests/unit/test_roundtrip and the fuzz targets.
 */
#ifndef KX_ORACLE_H
#define KX_ORACLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Check buf[len] read as format fmt (KX_FMT_AUTO: detected): 0 when no
 * reader accepts it (nothing to check), 1 when it round-trips, -1 when it
 * does not, with what went wrong in why[size] (no key material: ids,
 * formats and rule ids only).  The formats come from the table: the
 * document whole to each format of many keys (KX_CAP_KEYS), and at most
 * max_keys keys one by one to each format of one key (0: all).
 */
int kxo_roundtrip(const uint8_t *buf, size_t len, int fmt, size_t max_keys,
    char *why, size_t size);

#endif
