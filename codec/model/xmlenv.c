/*
 * xmlenv.c - the process's libxml2 set-up (kxi_xml_init: an external
 * entity loader that refuses everything, no message ever printed), and
 * libxml2's lexical check of an xs:anyURI, which strict.c applies to every
 * reader's document.  It lives in the hub so that strict.c never calls up
 * into formats/ (tests/build/layers.sh); the XML spokes and the policy
 * reader set libxml2 up through it (formats/xmlsec.c).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemastypes.h>

#include "internal.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static xmlParserInputPtr
refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	/* Never fetch anything a document names: not a file, not a URL. */
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static void
silent_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void
silent_structured(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

static void
init_once_fn(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(refuse_loader);
	/* The library never prints: anything without a handler is dropped. */
	xmlSetGenericErrorFunc(NULL, silent_generic);
	xmlSetStructuredErrorFunc(NULL, silent_structured);
}

void
kxi_xml_init(void)
{
	pthread_once(&init_once, init_once_fn);
	/* libxml2 keeps error handlers per thread: set them on this one. */
	xmlSetGenericErrorFunc(NULL, silent_generic);
	xmlSetStructuredErrorFunc(NULL, silent_structured);
}

/*
 * libxml2's own lexical check of an xs:anyURI (the one the schema
 * validation of native XML applies), for the readers that build the model
 * without it (strict.c).
 */
int
kxi_xsd_anyuri(const char *s)
{
	xmlSchemaTypePtr t;

	kxi_xml_init();
	if ((t = xmlSchemaGetBuiltInType(XML_SCHEMAS_ANYURI)) == NULL)
		return 0;
	return xmlSchemaValPredefTypeNode(t, (const xmlChar *)s, NULL,
	    NULL) == 0;
}
