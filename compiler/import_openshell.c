/*
 * import_openshell.c - an OpenShell sandbox policy (YAML) to .osh text.
 */
#include "import.h"

char *import_openshell(const char *yaml, size_t len, const import_opts *o, char *err, size_t errlen)
{
        snprintf(err, errlen, "--from openshell is not built yet");
        return NULL;
}
