-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 3: tags a process sets on its tickets (",major,"), for public views such
-- as the major-incident banner.
ALTER TABLE itsm_ticket ADD COLUMN tags VARCHAR(200) NOT NULL DEFAULT '';
