/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The directory of external desks (CPSD section 5) from conf/itsm-desks.xml: parsed and
 * validated once at start-up by the shared configuration loader. */
#include <apr_strings.h>
#include <libxml/tree.h>

#include "itsm.h"
#include "itsm_desks.h"
#include "itsm_xml.h"

apr_status_t itsm_desks_load(itsm_desks_t **out, const char *path, xmlSchemaPtr schema,
                             apr_pool_t *p, const char **err)
{
    itsm_desks_t *d = apr_pcalloc(p, sizeof *d);
    xmlNodePtr root, n;
    apr_status_t rv;

    *out = NULL;
    if ((rv = itsm_xml_config_load(&root, path, schema, "desks", p, err)) != APR_SUCCESS)
        return rv;
    d->list = apr_array_make(p, 16, sizeof(itsm_desk_t));
    d->by_name = apr_hash_make(p);
    for (n = root->children; n; n = n->next) {
        itsm_desk_t *desk;

        if (!itsm_xml_is(n, "desk"))
            continue;
        desk = apr_array_push(d->list);
        desk->name = itsm_xml_attr(p, n, "name");
        desk->kind = itsm_xml_attr(p, n, "kind");
        desk->owner = itsm_xml_attr(p, n, "owner");
        desk->provider = itsm_xml_attr(p, n, "provider");
        desk->contact = itsm_xml_attr(p, n, "contact");
        desk->covers = itsm_xml_text(p, n);
        apr_hash_set(d->by_name, desk->name, APR_HASH_KEY_STRING, desk);
    }
    *out = d;
    return APR_SUCCESS;
}
