# Templates and policies, installed under the data directory where the tool
# finds them by name (tools/cli_data.c; kmsxchg(1), TEMPLATES AND POLICIES
# BY NAME).  The tests and an uninstalled build use this folder instead,
# through KMSXCHG_DATADIR.
kxtemplatesdir = $(pkgdatadir)/templates
dist_kxtemplates_DATA = \
	profiles/templates/emv-imk-ac.xml \
	profiles/templates/emv-imk-smc.xml \
	profiles/templates/emv-imk-smi.xml \
	profiles/templates/gp-dap.xml \
	profiles/templates/gp-scp02-isd-dek.xml \
	profiles/templates/gp-scp02-isd-enc.xml \
	profiles/templates/gp-scp02-isd-mac.xml \
	profiles/templates/gp-scp03-isd-dek.xml \
	profiles/templates/gp-scp03-isd-enc.xml \
	profiles/templates/gp-scp03-isd-mac.xml \
	profiles/templates/gp-token.xml \
	profiles/templates/transport-kek.xml
kxpoliciesdir = $(pkgdatadir)/policies
dist_kxpolicies_DATA = \
	profiles/policies/gp-card-issuer.xml \
	profiles/policies/gp-scp02-migration.xml \
	profiles/policies/nist-sp800-57-baseline.xml
