output "resource_group_name" {
  description = "Resource group of the deployment."
  value       = azurerm_resource_group.this.name
}

output "function_app_name" {
  description = "Name of the Flex Consumption function app (the target of the package deployment)."
  value       = azurerm_function_app_flex_consumption.this.name
}

output "function_app_url" {
  description = "Base URL of the function app."
  value       = "https://${azurerm_function_app_flex_consumption.this.default_hostname}"
}

output "maximum_instance_count" {
  description = "Maximum instance count per scale group (a load and cost bound; the mailbox budget holds the mailbox limits)."
  value       = local.maximum_instance_count
}

output "deploy_command" {
  description = "Deploys the package built at target/function-app.zip (run from the repository root)."
  value       = "az functionapp deployment source config-zip --resource-group ${azurerm_resource_group.this.name} --name ${azurerm_function_app_flex_consumption.this.name} --src target/function-app.zip"
}

output "key_vault_uri" {
  description = "GRAPH_MAILER_KEY_VAULT_URL."
  value       = azurerm_key_vault.this.vault_uri
}

output "certificate_thumbprint" {
  description = "Thumbprint of the certificate the app registration currently trusts."
  value       = local.certificate_thumbprint
}

output "storage_account_name" {
  description = "Storage account with the outbox queues, the ledger table and the deployment container."
  value       = azurerm_storage_account.this.name
}

output "storage" {
  description = "Names the app uses inside the storage account."
  value = {
    outbox_queue     = azurerm_storage_queue.outbox.name
    poison_queue     = azurerm_storage_queue.poison.name
    deadletter_queue = azurerm_storage_queue.deadletter.name
    ledger_table     = azurerm_storage_table.ledger.name
    queue_endpoint   = azurerm_storage_account.this.primary_queue_endpoint
    table_endpoint   = azurerm_storage_account.this.primary_table_endpoint
  }
}

output "caller_auth" {
  description = "What callers need: request a token for scope \"<identifier_uri>/.default\"; graph-mailer checks audience and role."
  value = {
    tenant_id      = local.sender_tenant_id
    audience       = azuread_application.api.client_id
    identifier_uri = azuread_application_identifier_uri.api.identifier_uri
    required_role  = local.caller_app_role_value
    issuer         = "https://login.microsoftonline.com/${local.sender_tenant_id}/v2.0"
  }
}

# Exactly what infra/exchange/Set-GraphMailerMailboxScope.ps1 reads:
#   terraform output -json exchange_scoping > exchange-scoping.json
output "exchange_scoping" {
  description = "Input of the Exchange scoping script (infra/exchange)."
  value = {
    mode                        = var.mailbox_scoping_mode
    tenant_id                   = local.sender_tenant_id
    app_id                      = azuread_application.sender.client_id
    service_principal_object_id = azuread_service_principal.sender.object_id
    display_name                = azuread_application.sender.display_name
    mailboxes                   = var.allowed_senders
    smtp_mailboxes              = var.smtp_mailboxes
    scope_group                 = var.exchange_scope_group
    include_mail_read_write     = var.enable_large_attachments
  }
}
