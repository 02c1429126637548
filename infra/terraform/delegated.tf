# ---------------------------------------------------------------------------
# Delegated mode (README "Delegated mode", docs/adr/0019): the public-client
# app registration an operator signs in through (`graph-mailer signin`, device
# code flow) and the blob container that keeps each delegated mailbox's
# encrypted token cache. Only delegated permissions are declared, no
# application permission, and no admin consent is granted here: the mailbox's
# user consents at sign-in where the tenant lets users consent.
# Created only when var.delegated_mailboxes is not empty.
# ---------------------------------------------------------------------------

variable "delegated_mailboxes" {
  description = "Allowed senders that send with a signed-in account's delegated token: mailbox, or shared-mailbox:account. Non-empty creates the public-client registration and the token cache container."
  type        = list(string)
  default     = []
}

variable "delegated_operator_object_ids" {
  description = "Object ids of the operators who run graph-mailer signin/signout: they get Storage Blob Data Contributor on the token cache container and Key Vault Crypto Service Encryption User on the wrapping key, nothing wider."
  type        = list(string)
  default     = []
}

variable "delegated_key_name" {
  description = "GRAPH_MAILER_DELEGATED_KEY_NAME: the vault's RSA key that wraps each token cache's data key (wrapKey/unwrapKey only)."
  type        = string
  default     = "graph-mailer-token-cache"
}

locals {
  delegated_enabled          = length(var.delegated_mailboxes) > 0
  delegated_smtp             = local.delegated_enabled && local.smtp_enabled
  delegated_tokens_container = "graph-mailer-tokens"
  # Mail.Send.Shared (shared mailboxes) is not declared: the account consents to it at sign-in (dynamic consent).
  delegated_graph_scopes = ["Mail.Send", "offline_access"]
}

data "azuread_service_principal" "exchange_online_delegated" {
  count = local.delegated_enabled && local.delegated_smtp ? 1 : 0

  client_id = local.exchange_online_app_id
}

resource "azuread_application" "delegated_signin" {
  count = local.delegated_enabled ? 1 : 0

  display_name                   = "${local.sender_app_name}-signin"
  sign_in_audience               = "AzureADMyOrg"
  owners                         = [data.azuread_client_config.current.object_id]
  fallback_public_client_enabled = true # the device code flow; no secret, no certificate
  notes                          = "graph-mailer delegated mode: operators sign in as a mailbox with graph-mailer signin."

  public_client {
    redirect_uris = ["https://login.microsoftonline.com/common/oauth2/nativeclient"]
  }

  # Delegated scopes only ("Scope"), looked up by value on Microsoft Graph.
  required_resource_access {
    resource_app_id = local.microsoft_graph_app_id

    dynamic "resource_access" {
      for_each = local.delegated_graph_scopes

      content {
        id   = data.azuread_service_principal.microsoft_graph.oauth2_permission_scope_ids[resource_access.value]
        type = "Scope"
      }
    }
  }

  dynamic "required_resource_access" {
    for_each = local.delegated_smtp ? [local.exchange_online_app_id] : []

    content {
      resource_app_id = required_resource_access.value

      resource_access {
        id   = one(data.azuread_service_principal.exchange_online_delegated[*].oauth2_permission_scope_ids["SMTP.Send"])
        type = "Scope"
      }
    }
  }
}

resource "azuread_service_principal" "delegated_signin" {
  count = local.delegated_enabled ? 1 : 0

  client_id = azuread_application.delegated_signin[0].client_id
  owners    = [data.azuread_client_config.current.object_id]
}

# One blob per delegated mailbox, AES-GCM encrypted with a data key that the
# vault's RSA key wraps. The function reads and writes it with the blob role it
# already has on the account; operators get the container only.
resource "azurerm_storage_container" "delegated_tokens" {
  count = local.delegated_enabled ? 1 : 0

  name                  = local.delegated_tokens_container
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

resource "azurerm_role_assignment" "delegated_operator_tokens" {
  for_each = local.delegated_enabled ? toset(var.delegated_operator_object_ids) : toset([])

  scope                = azurerm_storage_container.delegated_tokens[0].resource_manager_id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = each.value
}

# The key that wraps the token caches' data keys (docs/adr/0019, 0020): RSA,
# operations wrapKey and unwrapKey only; the private key never leaves the vault.
# Not rotated on a schedule: each cache names the key version that wrapped its
# data key, and a new version (az keyvault key rotate) serves the next writes.
resource "azurerm_key_vault_key" "delegated_tokens" {
  count = local.delegated_enabled ? 1 : 0

  name         = var.delegated_key_name
  key_vault_id = azurerm_key_vault.this.id
  key_type     = "RSA"
  key_size     = 3072
  key_opts     = ["wrapKey", "unwrapKey"]
  tags         = local.tags

  depends_on = [time_sleep.deployer_crypto_officer_propagation]
}

# Whoever runs Terraform creates the key: Key Vault Crypto Officer is the
# narrowest built-in role with keys/create. Only with delegated mailboxes.
resource "azurerm_role_assignment" "deployer_crypto_officer" {
  count = local.delegated_enabled ? 1 : 0

  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Crypto Officer"
  principal_id         = data.azurerm_client_config.current.object_id
}

resource "time_sleep" "deployer_crypto_officer_propagation" {
  count = local.delegated_enabled ? 1 : 0

  create_duration = "60s"

  triggers = {
    role_assignment_id = azurerm_role_assignment.deployer_crypto_officer[0].id
  }
}

# The function wraps (after a refresh) and unwraps (on read) with that one key:
# Key Vault Crypto Service Encryption User (keys/read, wrap, unwrap) is the
# narrowest built-in role that allows both; Crypto User would add encrypt,
# decrypt, sign and verify. Scoped to the key, not the vault.
resource "azurerm_role_assignment" "delegated_function_token_key" {
  count = local.delegated_enabled ? 1 : 0

  scope                = azurerm_key_vault_key.delegated_tokens[0].resource_versionless_id
  role_definition_name = "Key Vault Crypto Service Encryption User"
  principal_id         = local.function_principal_id
  principal_type       = "ServicePrincipal"
}

# Operators who run graph-mailer signin encrypt the new cache (wrapKey) and
# signout deletes the blob: the same role on the same key.
resource "azurerm_role_assignment" "delegated_operator_token_key" {
  for_each = local.delegated_enabled ? toset(var.delegated_operator_object_ids) : toset([])

  scope                = azurerm_key_vault_key.delegated_tokens[0].resource_versionless_id
  role_definition_name = "Key Vault Crypto Service Encryption User"
  principal_id         = each.value
}

locals {
  # Merged into the function's app settings (locals.tf) only with delegated mailboxes.
  delegated_app_settings = local.delegated_enabled ? {
    GRAPH_MAILER_DELEGATED_MAILBOXES           = join(",", var.delegated_mailboxes)
    GRAPH_MAILER_DELEGATED_CLIENT_ID           = azuread_application.delegated_signin[0].client_id
    GRAPH_MAILER_DELEGATED_TOKEN_CONTAINER_URL = "${local.storage_blob_endpoint}${local.delegated_tokens_container}"
    GRAPH_MAILER_DELEGATED_KEY_NAME            = var.delegated_key_name
  } : {}
}

output "delegated_client_id" {
  description = "GRAPH_MAILER_DELEGATED_CLIENT_ID: the public-client registration graph-mailer signin uses (empty without delegated mailboxes)."
  value       = local.delegated_enabled ? azuread_application.delegated_signin[0].client_id : ""
}

output "delegated_token_container_url" {
  description = "GRAPH_MAILER_DELEGATED_TOKEN_CONTAINER_URL (empty without delegated mailboxes)."
  value       = local.delegated_enabled ? "${local.storage_blob_endpoint}${local.delegated_tokens_container}" : ""
}
