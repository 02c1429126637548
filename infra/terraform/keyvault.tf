# A vault dedicated to this deployment: it holds only the certificate the app
# authenticates to Entra ID with. Access is Azure RBAC only (no access policies).
resource "azurerm_key_vault" "this" {
  name                          = local.key_vault_name
  resource_group_name           = azurerm_resource_group.this.name
  location                      = azurerm_resource_group.this.location
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  rbac_authorization_enabled    = true
  purge_protection_enabled      = var.key_vault_purge_protection_enabled
  soft_delete_retention_days    = var.key_vault_soft_delete_retention_days
  public_network_access_enabled = true
  tags                          = local.tags
}

# Whoever runs Terraform creates (or reads) the certificate: the narrowest
# built-in role that allows certificate create/read is Certificates Officer.
resource "azurerm_role_assignment" "deployer_certificates_officer" {
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Certificates Officer"
  principal_id         = data.azurerm_client_config.current.object_id
}

resource "time_sleep" "deployer_certificates_officer_propagation" {
  create_duration = "60s"

  triggers = {
    role_assignment_id = azurerm_role_assignment.deployer_certificates_officer.id
  }
}

# Self-signed client-authentication certificate. Key Vault renews it on its own
# (AutoRenew) before it expires; the private key is exportable because the app
# loads it from the certificate's secret to sign its client assertion.
resource "azurerm_key_vault_certificate" "sender" {
  count = local.self_signed_cert ? 1 : 0

  name         = var.certificate_name
  key_vault_id = azurerm_key_vault.this.id
  tags         = local.tags

  certificate_policy {
    issuer_parameters {
      name = "Self"
    }

    key_properties {
      exportable = true
      key_type   = "RSA"
      key_size   = 2048
      reuse_key  = false
    }

    lifetime_action {
      action {
        action_type = "AutoRenew"
      }

      trigger {
        days_before_expiry = var.certificate_renew_days_before_expiry
      }
    }

    secret_properties {
      content_type = "application/x-pkcs12"
    }

    x509_certificate_properties {
      subject            = "CN=${local.sender_app_name}"
      validity_in_months = var.certificate_validity_in_months
      key_usage          = ["digitalSignature", "keyEncipherment"]
      # Client authentication only.
      extended_key_usage = ["1.3.6.1.5.5.7.3.2"]
    }
  }

  depends_on = [time_sleep.deployer_certificates_officer_propagation]
}

# certificate_source = "imported": the certificate was imported into this vault
# out of band (see README), so its private key never passes through Terraform.
data "azurerm_key_vault_certificate" "imported" {
  count = local.self_signed_cert ? 0 : 1

  name         = var.certificate_name
  key_vault_id = azurerm_key_vault.this.id

  depends_on = [time_sleep.deployer_certificates_officer_propagation]
}

locals {
  # Only public certificate data is read here; neither object exposes the key.
  certificate_data       = local.self_signed_cert ? one(azurerm_key_vault_certificate.sender[*].certificate_data) : one(data.azurerm_key_vault_certificate.imported[*].certificate_data)
  certificate_thumbprint = local.self_signed_cert ? one(azurerm_key_vault_certificate.sender[*].thumbprint) : one(data.azurerm_key_vault_certificate.imported[*].thumbprint)
  certificate_not_before = local.self_signed_cert ? one(azurerm_key_vault_certificate.sender[*].certificate_attribute[0].not_before) : one(data.azurerm_key_vault_certificate.imported[*].not_before)
  certificate_expires    = local.self_signed_cert ? one(azurerm_key_vault_certificate.sender[*].certificate_attribute[0].expires) : one(data.azurerm_key_vault_certificate.imported[*].expires)
}
