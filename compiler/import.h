/*
 * import.h - translating other sandbox formats to .osh text, and .osh
 * policies to other formats (oshc import, oshc export).
 *
 * The importers read a foreign policy with a well-kept parser (json-c for
 * OCI seccomp profiles, libyaml for OpenShell policies) and write .osh
 * source text; cmd_import.c checks that the text parses and runs it
 * through the formatter.  Whatever has no equivalent in the language is
 * kept as a `#` comment in the output, never dropped silently.
 */
#ifndef OSH_IMPORT_H
#define OSH_IMPORT_H

#include "ir.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct import_opts {
        const char *name;   /* the policy's name */
        const char *source; /* the input's file name, for the header comment */
        const char *arch;   /* OCI: the target architecture (libseccomp name) */
} import_opts;

/* Translate an OCI seccomp profile (JSON text) to .osh text (malloc'd).
 * NULL on error, with a message in err. */
char *import_oci(const char *json, size_t len, const import_opts *o, char *err, size_t errlen);
/* Translate an OpenShell sandbox policy (YAML text) to .osh text. */
char *import_openshell(const char *yaml, size_t len, const import_opts *o, char *err,
                       size_t errlen);

/* Print systemd [Service] settings for a composed policy. */
void export_systemd(FILE *out, const ir_policy *p);

#endif
