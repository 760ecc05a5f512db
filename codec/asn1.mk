# STUB: placeholder so main builds; the der branch replaces this file.
# On a merge conflict keep the branch version.
KX_ASN1_CPPFLAGS =
KX_ASN1_LIBS =
