/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Test-only: a process module as if built against the previous contract (ABI version one
 * below the core's). The core must refuse to start with it (ITSM00050); it is never loaded
 * otherwise. */
#include <httpd.h>
#include <http_config.h>
#include <ap_provider.h>

#include "itsm.h"

static const itsm_process_t oldabi_process = {
    .abi = ITSM_ABI_VERSION - 1,
    .size = sizeof(itsm_process_t),
    .name = "oldabi",
};

ITSM_PROCESS_MODULE(oldabi, oldabi_process);
